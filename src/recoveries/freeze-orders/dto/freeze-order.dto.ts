import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { IsFen } from '../../../common/money.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import {
  BANK_ANSWERS,
  BankAnswer,
  FREEZE_ORDER_KINDS,
  FREEZE_ORDER_STATUSES,
  FreezeOrderKind,
  FreezeOrderStatus,
} from '../freeze-order-status.js';

@ApiSchema({
  description:
    'A stop-payment (紧急止付) or freeze (冻结) request for a bank-card identifier of a case',
})
export class CreateFreezeOrderDto {
  @ApiProperty({
    enum: FREEZE_ORDER_KINDS,
    description: 'stop_payment 紧急止付 (48 h) | freeze 冻结 (6 months)',
  })
  @IsIn(FREEZE_ORDER_KINDS)
  kind!: FreezeOrderKind;

  @ApiProperty({ description: 'The case the account belongs to', format: 'uuid' })
  @IsUUID()
  caseId!: string;

  @ApiProperty({ format: 'uuid', description: 'A bank-card identifier linked to the case' })
  @IsUUID()
  identifierId!: string;

  @ApiProperty({
    format: 'uuid',
    description:
      'The bank asked: a unit of kind bank, or a bank branch (the order goes to its bank); find it with GET /units?q=',
  })
  @IsUUID()
  bankUnitId!: string;

  @ApiProperty({
    example: 5000000,
    description: 'Amount asked to be stopped or frozen, in fen (分)',
  })
  @IsFen()
  requestedFen!: number;

  @ApiPropertyOptional({
    description: 'A major case (重大案件): a freeze lasts one year',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  majorCase?: boolean;

  @ApiPropertyOptional({ description: 'Free-text note' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

/** The bank's answer (反馈). */
@ApiSchema({ description: 'The bank’s answer (反馈)' })
export class AnswerFreezeOrderDto {
  @ApiProperty({
    description:
      'frozen (已冻结), partially_frozen (部分冻结, with frozenFen) or rejected (with a reason)',
    enum: BANK_ANSWERS,
  })
  @IsIn(BANK_ANSWERS)
  answer!: BankAnswer;

  @ApiPropertyOptional({
    example: 3200000,
    description:
      'Amount actually stopped or frozen, in fen: required for partially_frozen (less than requested); for frozen it is the requested amount',
  })
  @IsOptional()
  @IsFen()
  frozenFen?: number;

  @ApiPropertyOptional({ description: 'Why the bank refused; required for rejected' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

@ApiSchema({ description: 'An optional note for renewing (续冻) or releasing (解除) an order' })
export class FreezeOrderNoteDto {
  @ApiPropertyOptional({ description: 'Why' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

@ApiSchema({ description: 'Converting a stop-payment into a freeze (止付转冻结)' })
export class ConvertFreezeOrderDto extends FreezeOrderNoteDto {
  @ApiPropertyOptional({
    description: 'A major case (重大案件): the freeze lasts one year',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  majorCase?: boolean;
}

export class ListFreezeOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only orders in this status', enum: FREEZE_ORDER_STATUSES })
  @IsOptional()
  @IsIn(FREEZE_ORDER_STATUSES)
  status?: FreezeOrderStatus;
  @ApiPropertyOptional({
    description: 'stop_payment (紧急止付) or freeze (冻结)',
    enum: FREEZE_ORDER_KINDS,
  })
  @IsOptional()
  @IsIn(FREEZE_ORDER_KINDS)
  kind?: FreezeOrderKind;
  @ApiPropertyOptional({ description: 'Only orders of this case', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  caseId?: string;
  @ApiPropertyOptional({
    description:
      'Only orders in force (frozen or partially frozen) that lapse within this many days from now (即将到期)',
    minimum: 1,
    maximum: 90,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(90)
  expiringWithinDays?: number;
}

@ApiSchema({
  description: 'Golden-hour (黄金止付时间) figures: how fast the order was requested and answered',
})
export class GoldenHourDto {
  @ApiProperty({ description: 'Minutes from the case being reported to the request' })
  minutesToRequest!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Minutes from the case being reported to the bank’s answer',
  })
  minutesToAnswer!: number | null;
}

@ApiSchema({ description: 'One event in the life of a stop-payment or freeze order' })
export class FreezeOrderEventDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({
    description: 'What happened: request, answer, renew, release, convert, expire or remind',
    enum: ['request', 'answer', 'renew', 'release', 'convert', 'expire', 'remind'],
  })
  action!: string;
  @ApiProperty({ description: 'Status before', nullable: true, type: String }) fromStatus!:
    string | null;
  @ApiProperty({ description: 'Status after' }) toStatus!: string;
  @ApiProperty({
    description: 'A user, a bank’s API key, or the system',
    enum: ['user', 'api_key', 'system'],
  })
  actorKind!: string;
  @ApiProperty({
    description: 'That user or API key; null for the system',
    nullable: true,
    type: String,
  })
  actorId!: string | null;
  @ApiProperty({ description: 'Details of the event (amounts, reasons)', type: Object })
  details!: Record<string, unknown>;
  @ApiProperty({ description: 'When' }) at!: string;
}

@ApiSchema({
  description:
    'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
})
export class FreezeOrderDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({
    description: 'stop_payment (紧急止付) or freeze (冻结)',
    enum: FREEZE_ORDER_KINDS,
  })
  kind!: FreezeOrderKind;
  @ApiProperty({
    description:
      'requested, frozen, partially_frozen, rejected, released (解除), expired or converted (转冻结)',
    enum: FREEZE_ORDER_STATUSES,
  })
  status!: FreezeOrderStatus;
  @ApiProperty({ description: 'Case (案件) id' }) caseId!: string;
  @ApiProperty({
    description: 'Case number (案件编号): unit code, fraud type, year and sequence',
    example: 'GY-YY-WA-2026-000001',
  })
  caseNo!: string;
  @ApiProperty({ description: 'The bank-card identifier to freeze' }) identifierId!: string;
  @ApiProperty({ example: '6222021234567890128', description: 'The account (bank card) number' })
  account!: string;
  @ApiProperty({ description: 'Requesting police unit' }) unitId!: string;
  @ApiProperty({ description: 'The bank addressed' }) bankUnitId!: string;
  @ApiProperty({ description: 'The bank addressed', example: '中国工商银行贵阳分行' })
  bankName!: string;
  @ApiProperty({ description: 'Requesting officer', nullable: true, type: String }) officerId!:
    string | null;
  @ApiProperty({ description: 'Major case (重大案件): longer freeze periods' }) majorCase!: boolean;
  @ApiProperty({ description: 'Amount requested, in fen' }) requestedFen!: number;
  @ApiProperty({ description: 'Amount the bank froze, in fen', nullable: true, type: Number })
  frozenFen!: number | null;
  @ApiProperty({ description: 'Amount recovered from it so far, in fen' }) recoveredFen!: number;
  @ApiProperty({ description: 'The bank’s reason, when rejected', nullable: true, type: String })
  rejectReason!: string | null;
  @ApiProperty({ description: 'Free-text note', nullable: true, type: String }) note!:
    string | null;
  @ApiProperty({ description: 'When it was requested' }) requestedAt!: string;
  @ApiProperty({ description: 'When the bank answered', nullable: true, type: String })
  answeredAt!: string | null;
  @ApiProperty({
    description: 'When the stop-payment or freeze lapses',
    nullable: true,
    type: String,
  })
  expiresAt!: string | null;
  @ApiProperty({ description: 'When to remind of the expiry', nullable: true, type: String })
  remindAt!: string | null;
  @ApiProperty({ description: 'When the reminder was sent', nullable: true, type: String })
  remindedAt!: string | null;
  @ApiProperty({ description: 'Times renewed (续冻)' }) renewals!: number;
  @ApiProperty({
    description: 'The stop-payment this freeze was converted from',
    nullable: true,
    type: String,
  })
  convertedFromId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The freeze this stop-payment became' })
  convertedToId!: string | null;
  @ApiProperty({ description: 'Golden-hour figures', type: GoldenHourDto })
  goldenHour!: GoldenHourDto;
  @ApiPropertyOptional({ type: [FreezeOrderEventDto], description: 'In GET /freeze-orders/:id' })
  events?: FreezeOrderEventDto[];
}

@ApiSchema({ description: 'One page of stop-payment and freeze orders' })
export class FreezeOrderPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [FreezeOrderDto] })
  items!: FreezeOrderDto[];
}
