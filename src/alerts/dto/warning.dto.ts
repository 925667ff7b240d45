import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IsDateTime, SCHEDULED } from '../../common/validation/date-time.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { DELIVERY_STATUSES, DeliveryStatus } from '../entities/delivery.entity.js';
import { SEVERITIES, Severity, WARNING_STATUSES, WarningStatus } from '../warning-status.js';

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

  @ApiProperty({ enum: SEVERITIES, example: 'severe' })
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

export class PublishWarningDto {
  @ApiPropertyOptional({
    example: '2025-11-20T09:00:00+08:00',
    description: 'Publish at this time instead of now (overrides the draft’s publishAt)',
  })
  @IsOptional()
  @IsDateTime(SCHEDULED)
  publishAt?: string;
}

export class WithdrawWarningDto {
  @ApiPropertyOptional({ example: '信息有误', description: '撤回原因, sent with the notice' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reason?: string;
}

export class ListWarningsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WARNING_STATUSES })
  @IsOptional()
  @IsIn(WARNING_STATUSES)
  status?: WarningStatus;
}

export class TargetUnitDto {
  @ApiProperty() id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
}

export class WarningDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty() fraudType!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ enum: WARNING_STATUSES }) status!: WarningStatus;
  @ApiProperty() unitId!: string;
  @ApiProperty({ nullable: true, type: String }) authorId!: string | null;
  @ApiProperty({ enum: ['manual', 'trend_scan'] }) source!: 'manual' | 'trend_scan';
  @ApiProperty({ type: [TargetUnitDto] }) targets!: TargetUnitDto[];
  @ApiProperty({ nullable: true, type: String }) approvedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) approvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) publishAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) publishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) withdrawnAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) withdrawReason!: string | null;
  @ApiProperty() createdAt!: string;
}

export class WarningPage extends PageMeta {
  @ApiProperty({ type: [WarningDto] }) items!: WarningDto[];
}

export class DeliveryRowDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['warning', 'withdrawal'] }) kind!: 'warning' | 'withdrawal';
  @ApiProperty() coordinatorId!: string;
  @ApiProperty() coordinatorName!: string;
  @ApiProperty() groupName!: string;
  @ApiProperty() communityId!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedAt!: string | null;
}

export class WarningDeliveriesDto {
  @ApiProperty() warningId!: string;
  @ApiProperty({
    description: 'Warning deliveries by status (withdrawal notices are counted apart)',
    example: { queued: 0, sending: 0, sent: 12, failed: 1, acknowledged: 3, cancelled: 0 },
  })
  counts!: Record<DeliveryStatus, number>;
  @ApiProperty({ description: 'Withdrawal notices by status' })
  withdrawalCounts!: Record<DeliveryStatus, number>;
  @ApiProperty({ type: [DeliveryRowDto] }) items!: DeliveryRowDto[];
}

export class AckDeliveryDto {
  @ApiPropertyOptional({ description: 'The signed token of the link sent with the message' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  token?: string;
}

export class AckResultDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty() acknowledgedAt!: string;
}

export class PendingMessageDto {
  @ApiProperty() deliveryId!: string;
  @ApiProperty() warningId!: string;
  @ApiProperty({ enum: ['warning', 'withdrawal'] }) kind!: 'warning' | 'withdrawal';
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'The message to forward, as WeCom markdown' }) markdown!: string;
  @ApiProperty({
    description:
      'The same message as plain text, for pasting into an ordinary WeChat group: no markup, ' +
      'line breaks kept, the link as a bare URL',
  })
  text!: string;
}

export class FullMessageDto {
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty() typicalScript!: string;
  @ApiProperty() closing!: string;
}
