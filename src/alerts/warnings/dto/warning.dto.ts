import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { IsDateTime, SCHEDULED } from '../../../common/validation/date-time.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { SEVERITIES, Severity, WARNING_STATUSES, WarningStatus } from '../warning-status.js';

@ApiSchema({ description: 'A draft scam warning' })
export class CreateWarningDto {
  @ApiProperty({ example: '警惕冒充电商客服“退款理赔”诈骗', description: '标题' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty({ example: '近期辖区发生多起……', description: '正文 (Chinese text)' })
  @IsString()
  @Length(1, 20000)
  body!: string;

  @ApiProperty({ example: 'fake_customer_service', description: 'A code of GET /fraud-types' })
  @IsString()
  @Length(1, 64)
  fraudType!: string;

  @ApiProperty({
    description: 'CAP severity: extreme, severe, moderate or minor',
    enum: SEVERITIES,
    example: 'severe',
  })
  @IsIn(SEVERITIES)
  severity!: Severity;

  @ApiProperty({
    type: [String],
    description:
      'Target units: communities, or stations / sub-bureaus meaning every community under them',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsUUID('4', { each: true })
  targetUnitIds!: string[];

  @ApiPropertyOptional({ example: '2025-11-20T09:00:00+08:00', description: 'When to publish' })
  @IsOptional()
  @IsDateTime(SCHEDULED)
  publishAt?: string;
}

@ApiSchema({ description: 'When to publish an approved warning' })
export class PublishWarningDto {
  @ApiPropertyOptional({
    example: '2025-11-20T09:00:00+08:00',
    description: 'Publish at this time instead of now (overrides the draft’s publishAt)',
  })
  @IsOptional()
  @IsDateTime(SCHEDULED)
  publishAt?: string;
}

@ApiSchema({ description: 'Why a warning is withdrawn (撤回)' })
export class WithdrawWarningDto {
  @ApiPropertyOptional({ example: '信息有误', description: '撤回原因, sent with the notice' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reason?: string;
}

export class ListWarningsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only warnings in this status', enum: WARNING_STATUSES })
  @IsOptional()
  @IsIn(WARNING_STATUSES)
  status?: WarningStatus;
}

@ApiSchema({ description: 'A unit a warning is addressed to' })
export class TargetUnitDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'Unit code' }) code!: string;
  @ApiProperty({ description: 'Name' }) name!: string;
  @ApiProperty({ description: 'Unit level' }) kind!: string;
}

@ApiSchema({ description: 'A scam warning (预警) for community WeChat groups' })
export class WarningDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'Title' }) title!: string;
  @ApiProperty({ description: 'Warning text' }) body!: string;
  @ApiProperty({ description: 'Fraud type (诈骗类型) code, see GET /fraud-types' })
  fraudType!: string;
  @ApiProperty({
    description: 'CAP severity: extreme, severe, moderate or minor',
    enum: SEVERITIES,
  })
  severity!: Severity;
  @ApiProperty({
    description: 'draft, approved, scheduled, published or withdrawn (撤回)',
    enum: WARNING_STATUSES,
  })
  status!: WarningStatus;
  @ApiProperty({ description: 'Issuing unit' }) unitId!: string;
  @ApiProperty({ description: 'Who wrote it', nullable: true, type: String }) authorId!:
    string | null;
  @ApiProperty({
    description: 'Written by hand, or drafted by the trend scan (趋势研判)',
    enum: ['manual', 'trend_scan'],
  })
  source!: 'manual' | 'trend_scan';
  @ApiProperty({ description: 'Units whose communities receive it', type: [TargetUnitDto] })
  targets!: TargetUnitDto[];
  @ApiProperty({ description: 'Supervisor who approved it', nullable: true, type: String })
  approvedBy!: string | null;
  @ApiProperty({ description: 'When it was approved', nullable: true, type: String }) approvedAt!:
    string | null;
  @ApiProperty({ description: 'When it is to be published', nullable: true, type: String })
  publishAt!: string | null;
  @ApiProperty({ description: 'When it was published', nullable: true, type: String })
  publishedAt!: string | null;
  @ApiProperty({ description: 'When it was withdrawn', nullable: true, type: String })
  withdrawnAt!: string | null;
  @ApiProperty({ description: 'Why it was withdrawn', nullable: true, type: String })
  withdrawReason!: string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({ description: 'One page of warnings' })
export class WarningPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [WarningDto] })
  items!: WarningDto[];
}
