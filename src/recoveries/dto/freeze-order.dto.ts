import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { IsFen } from '../../common/money.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import {
  BANK_ANSWERS,
  BankAnswer,
  FREEZE_ORDER_KINDS,
  FREEZE_ORDER_STATUSES,
  FreezeOrderKind,
  FreezeOrderStatus,
} from '../freeze-order-status.js';

export class CreateFreezeOrderDto {
  @ApiProperty({
    enum: FREEZE_ORDER_KINDS,
    description: 'stop_payment 紧急止付 (48 h) | freeze 冻结 (6 months)',
  })
  @IsIn(FREEZE_ORDER_KINDS)
  kind!: FreezeOrderKind;

  @ApiProperty({ format: 'uuid' }) @IsUUID() caseId!: string;

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

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000) note?: string;
}

/** The bank's answer (反馈). */
export class AnswerFreezeOrderDto {
  @ApiProperty({ enum: BANK_ANSWERS }) @IsIn(BANK_ANSWERS) answer!: BankAnswer;

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

export class FreezeOrderNoteDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000) note?: string;
}

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
  @ApiPropertyOptional({ enum: FREEZE_ORDER_STATUSES })
  @IsOptional()
  @IsIn(FREEZE_ORDER_STATUSES)
  status?: FreezeOrderStatus;
  @ApiPropertyOptional({ enum: FREEZE_ORDER_KINDS })
  @IsOptional()
  @IsIn(FREEZE_ORDER_KINDS)
  kind?: FreezeOrderKind;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() caseId?: string;
}

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

export class FreezeOrderEventDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['request', 'answer', 'renew', 'release', 'convert', 'expire', 'remind'] })
  action!: string;
  @ApiProperty({ nullable: true, type: String }) fromStatus!: string | null;
  @ApiProperty() toStatus!: string;
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) actorKind!: string;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
  @ApiProperty() at!: string;
}

export class FreezeOrderDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: FREEZE_ORDER_KINDS }) kind!: FreezeOrderKind;
  @ApiProperty({ enum: FREEZE_ORDER_STATUSES }) status!: FreezeOrderStatus;
  @ApiProperty() caseId!: string;
  @ApiProperty({ example: 'GY-YY-WA-2026-000001' }) caseNo!: string;
  @ApiProperty() identifierId!: string;
  @ApiProperty({ example: '6222021234567890128', description: 'The account (bank card) number' })
  account!: string;
  @ApiProperty() unitId!: string;
  @ApiProperty() bankUnitId!: string;
  @ApiProperty({ example: '中国工商银行贵阳分行' }) bankName!: string;
  @ApiProperty({ nullable: true, type: String }) officerId!: string | null;
  @ApiProperty() majorCase!: boolean;
  @ApiProperty() requestedFen!: number;
  @ApiProperty({ nullable: true, type: Number }) frozenFen!: number | null;
  @ApiProperty() recoveredFen!: number;
  @ApiProperty({ nullable: true, type: String }) rejectReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty() requestedAt!: string;
  @ApiProperty({ nullable: true, type: String }) answeredAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) remindAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) remindedAt!: string | null;
  @ApiProperty() renewals!: number;
  @ApiProperty({ nullable: true, type: String }) convertedFromId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The freeze this stop-payment became' })
  convertedToId!: string | null;
  @ApiProperty({ type: GoldenHourDto }) goldenHour!: GoldenHourDto;
  @ApiPropertyOptional({ type: [FreezeOrderEventDto], description: 'In GET /freeze-orders/:id' })
  events?: FreezeOrderEventDto[];
}

export class FreezeOrderPage extends PageMeta {
  @ApiProperty({ type: [FreezeOrderDto] }) items!: FreezeOrderDto[];
}
