import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { Channel, CHANNELS } from '../channels.js';

export class CreateCoordinatorDto {
  @ApiProperty({ example: '王秀英', description: '协调员姓名' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ example: '13800001234', description: 'Mainland mobile number' })
  @IsString()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone!: string;

  @ApiProperty({ description: 'The community (社区) unit of the group' })
  @IsUUID('4')
  communityId!: string;

  @ApiProperty({ example: '东山社区反诈宣传群' })
  @IsString()
  @Length(1, 100)
  groupName!: string;

  @ApiPropertyOptional({ example: 320, description: 'Members of the WeChat group' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  groupSize?: number;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiPropertyOptional({
    description:
      'wecom_bot: the robot URL, `<WECOM_API_BASE>?key=…` (write-only, shown masked); webhook: the ' +
      'receiver URL, https in production, no credentials, a host that resolves to public addresses ' +
      'only (or one on WEBHOOK_ALLOWED_HOSTS)',
  })
  @IsOptional()
  @IsString() // checked in CoordinatorsService with the same URL parser the sender uses
  @Length(1, 500)
  webhookUrl?: string;

  @ApiPropertyOptional({
    description: 'webhook: HMAC-SHA256 secret (write-only), 16–200 characters',
  })
  @IsOptional()
  @IsString()
  @Length(16, 200)
  webhookSecret?: string;
}

export class UpdateCoordinatorDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) groupName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  groupSize?: number;

  @ApiPropertyOptional({ enum: CHANNELS }) @IsOptional() @IsIn(CHANNELS) channel?: Channel;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) webhookUrl?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(16, 200) webhookSecret?: string;

  @ApiPropertyOptional({ description: 'false: the coordinator gets nothing' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListCoordinatorsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID('4') communityId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  enabled?: boolean;
}

export class CoordinatorDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() phone!: string;
  @ApiProperty() communityId!: string;
  @ApiProperty() groupName!: string;
  @ApiProperty() groupSize!: number;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Masked: a robot key shows only its last four characters',
  })
  webhookUrl!: string | null;
  @ApiProperty({ description: 'Whether a webhook secret is set (never returned)' })
  hasSecret!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) channelBrokenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) channelBrokenReason!: string | null;
  @ApiProperty() createdAt!: string;
}

export class CoordinatorPage extends PageMeta {
  @ApiProperty({ type: [CoordinatorDto] }) items!: CoordinatorDto[];
}
