import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStatus } from '../entities/delivery.entity.js';

@ApiSchema({ description: 'A warning’s delivery to one coordinator’s group' })
export class DeliveryRowDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({
    description: 'The warning, or its withdrawal notice',
    enum: ['warning', 'withdrawal'],
  })
  kind!: 'warning' | 'withdrawal';
  @ApiProperty({ description: 'The coordinator' }) coordinatorId!: string;
  @ApiProperty({ description: 'The coordinator’s name' }) coordinatorName!: string;
  @ApiProperty({ description: 'Name of the WeChat group (微信群)' }) groupName!: string;
  @ApiProperty({ description: 'Community (社区) unit the group belongs to' }) communityId!: string;
  @ApiProperty({
    description:
      'How messages reach the group: wecom_bot (企业微信群机器人), webhook, or manual (forwarded by hand)',
  })
  channel!: string;
  @ApiProperty({
    description: 'queued, sending, sent, failed, acknowledged (已收到) or cancelled',
    enum: DELIVERY_STATUSES,
  })
  status!: DeliveryStatus;
  @ApiProperty({ description: 'Send attempts so far' }) attempts!: number;
  @ApiProperty({ description: 'The last send error', nullable: true, type: String }) lastError!:
    string | null;
  @ApiProperty({ description: 'When it was sent', nullable: true, type: String }) sentAt!:
    string | null;
  @ApiProperty({ description: 'When it was acknowledged', nullable: true, type: String })
  acknowledgedAt!: string | null;
}

@ApiSchema({ description: 'A warning’s deliveries per coordinator, with counts by status' })
export class WarningDeliveriesDto {
  @ApiProperty({ description: 'The warning' }) warningId!: string;
  @ApiProperty({
    description: 'Warning deliveries by status (withdrawal notices are counted apart)',
    example: { queued: 0, sending: 0, sent: 12, failed: 1, acknowledged: 3, cancelled: 0 },
  })
  counts!: Record<DeliveryStatus, number>;
  @ApiProperty({ description: 'Withdrawal notices by status' })
  withdrawalCounts!: Record<DeliveryStatus, number>;
  @ApiProperty({ description: 'One row per delivery', type: [DeliveryRowDto] })
  items!: DeliveryRowDto[];
}

@ApiSchema({ description: 'Acknowledging (已收到) a delivery' })
export class AckDeliveryDto {
  @ApiPropertyOptional({ description: 'The signed token of the link sent with the message' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  token?: string;
}

@ApiSchema({ description: 'A delivery after its acknowledgement' })
export class AckResultDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'Delivery status', enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ description: 'When it was acknowledged' }) acknowledgedAt!: string;
}

@ApiSchema({ description: 'A message waiting for a manual-channel coordinator to forward by hand' })
export class PendingMessageDto {
  @ApiProperty({ description: 'The delivery' }) deliveryId!: string;
  @ApiProperty({ description: 'The warning' }) warningId!: string;
  @ApiProperty({
    description: 'The warning, or its withdrawal notice',
    enum: ['warning', 'withdrawal'],
  })
  kind!: 'warning' | 'withdrawal';
  @ApiProperty({ description: 'Title of the warning' }) title!: string;
  @ApiProperty({ description: 'The message to forward, as WeCom markdown' }) markdown!: string;
  @ApiProperty({
    description:
      'The same message as plain text, for pasting into an ordinary WeChat group: no markup, ' +
      'line breaks kept, the link as a bare URL',
  })
  text!: string;
}

@ApiSchema({ description: 'The whole text of a delivered warning (阅读全文)' })
export class FullMessageDto {
  @ApiProperty({ description: 'Title' }) title!: string;
  @ApiProperty({ description: 'Warning text' }) body!: string;
  @ApiProperty({ description: 'What the fraudsters typically say (典型话术)' })
  typicalScript!: string;
  @ApiProperty({ description: 'Closing line with the reporting hotline (96110)' }) closing!: string;
}
