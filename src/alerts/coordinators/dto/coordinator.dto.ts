import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
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
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { Channel, CHANNELS } from '../../deliveries/channels.js';

@ApiSchema({ description: 'A new coordinator and their channel' })
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

  @ApiProperty({ description: 'Name of the WeChat group (微信群)', example: '东山社区反诈宣传群' })
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

  @ApiProperty({
    description:
      'How messages reach the group: wecom_bot (企业微信群机器人), webhook, or manual (forwarded by hand)',
    enum: CHANNELS,
  })
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

@ApiSchema({ description: 'Changes to a coordinator; absent fields stay as they are' })
export class UpdateCoordinatorDto {
  @ApiPropertyOptional({ description: 'Coordinator’s name' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ description: 'Mobile phone number' })
  @IsOptional()
  @IsString()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone?: string;

  @ApiPropertyOptional({ description: 'Name of the WeChat group (微信群)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  groupName?: string;

  @ApiPropertyOptional({ description: 'Members of the group' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  groupSize?: number;

  @ApiPropertyOptional({
    description:
      'How messages reach the group: wecom_bot (企业微信群机器人), webhook, or manual (forwarded by hand)',
    enum: CHANNELS,
  })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: Channel;

  @ApiPropertyOptional({
    description: 'Webhook or bot URL (https), for wecom_bot and webhook channels',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  webhookUrl?: string;

  @ApiPropertyOptional({ description: 'Signing secret for a webhook channel; never shown back' })
  @IsOptional()
  @IsString()
  @Length(16, 200)
  webhookSecret?: string;

  @ApiPropertyOptional({ description: 'false: the coordinator gets nothing' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListCoordinatorsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only coordinators of this community (社区)' })
  @IsOptional()
  @IsUUID('4')
  communityId?: string;

  @ApiPropertyOptional({ description: 'Only enabled (true) or disabled (false) coordinators' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  enabled?: boolean;
}

@ApiSchema({
  description: 'A community coordinator (社区联络员) and the WeChat group they relay warnings to',
})
export class CoordinatorDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'Coordinator’s name' }) name!: string;
  @ApiProperty({ description: 'Mobile phone number' }) phone!: string;
  @ApiProperty({ description: 'Community (社区) unit the group belongs to' }) communityId!: string;
  @ApiProperty({ description: 'Name of the WeChat group (微信群)' }) groupName!: string;
  @ApiProperty({ description: 'Members of the group (for reach figures)' }) groupSize!: number;
  @ApiProperty({
    description:
      'How messages reach the group: wecom_bot (企业微信群机器人), webhook, or manual (forwarded by hand)',
    enum: CHANNELS,
  })
  channel!: Channel;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Masked: a robot key shows only its last four characters',
  })
  webhookUrl!: string | null;
  @ApiProperty({ description: 'Whether a webhook secret is set (never returned)' })
  hasSecret!: boolean;
  @ApiProperty({ description: 'A disabled coordinator gets nothing' }) enabled!: boolean;
  @ApiProperty({
    description: 'When the channel stopped working (e.g. the bot was removed)',
    nullable: true,
    type: String,
  })
  channelBrokenAt!: string | null;
  @ApiProperty({ description: 'Why the channel stopped working', nullable: true, type: String })
  channelBrokenReason!: string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({ description: 'One page of coordinators' })
export class CoordinatorPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [CoordinatorDto] })
  items!: CoordinatorDto[];
}
