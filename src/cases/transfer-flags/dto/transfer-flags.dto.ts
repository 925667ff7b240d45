import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsPositive, IsString, IsUUID, Length } from 'class-validator';
import { IsDateTime, PAST_EVENT } from '../../../common/validation/date-time.js';
import { FieldProblem } from '../../../common/http/errors.js';
import { IsFen } from '../../../common/money.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import {
  CONTACT_METHODS,
  ContactMethod,
  DISSUASION_OUTCOMES,
  DISSUASION_STATUSES,
  DissuasionOutcome,
  DissuasionStatus,
  RISK_GRADES,
  RiskGrade,
} from '../../dissuasions/entities/dissuasion.entity.js';

/** The most flags one request may carry. */
export const MAX_FLAGS_PER_BATCH = 10_000;

/**
 * The largest body of POST /transfer-flags. A typical flag is ≈ 360 bytes of JSON (a full one with
 * Chinese names and a reason, as in the API example), so 10,000 of them are ≈ 3.6 MB; 8 MiB leaves
 * more than twice that. A batch of flags with every field at its longest (≈ 2.5 KB each) must be
 * sent in parts of about 3,000.
 */
export const MAX_FLAG_BATCH_BYTES = 8 * 1024 * 1024;

const booleanQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

// ---------------------------------------------------------------------------------------------
// Ingest

/**
 * One suspicious transfer (可疑交易) as a bank's system reports it. The bank is the caller's bank,
 * never a field. Checked item by item (see transfer-flag-input.ts), so one bad flag of a batch
 * does not stop the others. The decorators document the rules (Swagger); checkFlagInput applies
 * them by hand, and transfer-flag-input.spec.ts checks that it answers exactly as class-validator
 * does with them: change both together.
 */
@ApiSchema({
  description:
    'One suspicious transfer (可疑交易) as a bank’s system reports it; the bank is the caller’s',
})
export class TransferFlagInput {
  @ApiProperty({
    example: '6212 2624 0200 1234 567',
    description: '付款账户: 12–19 digits; spaces and dashes are dropped',
  })
  @IsString()
  @Length(1, 40)
  payerAccount!: string;

  @ApiPropertyOptional({ example: '王某某', description: '付款人姓名' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  payerName?: string;

  @ApiProperty({
    example: '6222 0212 3456 7890 128',
    description: '收款账户: 12–19 digits; matched against the bank cards cases name',
  })
  @IsString()
  @Length(1, 40)
  payeeAccount!: string;

  @ApiPropertyOptional({ example: '李某', description: '收款人姓名' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  payeeName?: string;

  @ApiPropertyOptional({ example: '中国工商银行', description: '收款行' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  payeeBank?: string;

  @ApiProperty({ example: 6000000, description: 'Amount in fen (分), more than 0' })
  @IsFen()
  @IsPositive({ message: 'must be more than 0' })
  amountFen!: number;

  @ApiProperty({
    example: '2026-11-21T10:02:00+08:00',
    description: 'When the transfer was made or attempted: RFC 3339 with a UTC offset',
  })
  @IsDateTime(PAST_EVENT)
  occurredAt!: string;

  @ApiProperty({
    example: '客户首次向陌生个人账户大额转账，自称“刷单返利”',
    description: 'Why the bank flagged it (预警原因)',
  })
  @IsString()
  @Length(1, 500)
  reason!: string;

  @ApiProperty({
    example: 'ICBC-GY-20261121-000123',
    description: 'The bank’s own reference; unique per bank, so re-sending a flag changes nothing',
  })
  @IsString()
  @Length(1, 100)
  externalRef!: string;
}

/** A batch: `{ flags: [...] }` with 1 to 10,000 flags. */
@ApiSchema({ description: 'A batch of suspicious transfers, 1 to 10,000' })
export class TransferFlagBatchInput {
  @ApiProperty({
    description: 'The flags, 1 to 10,000',
    type: [TransferFlagInput],
    minItems: 1,
    maxItems: MAX_FLAGS_PER_BATCH,
  })
  flags!: TransferFlagInput[];
}

export const FLAG_ITEM_STATUSES = ['created', 'duplicate', 'invalid'] as const;
export type FlagItemStatus = (typeof FLAG_ITEM_STATUSES)[number];

/** The answer for one flag of the request, in request order. */
@ApiSchema({ description: 'The answer for one flag of the request, in request order' })
export class TransferFlagItemResult {
  @ApiProperty({ description: 'Position of the flag in the request (0 for a single flag)' })
  index!: number;

  @ApiProperty({ nullable: true, type: String, description: 'As sent; null if missing' })
  externalRef!: string | null;

  @ApiProperty({
    enum: FLAG_ITEM_STATUSES,
    description:
      'created; duplicate (this bank already sent that externalRef, or it came earlier in this batch: nothing changed); invalid (see problems)',
  })
  status!: FlagItemStatus;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The flag (the existing one for a duplicate)',
  })
  id?: string;

  @ApiPropertyOptional({ type: [FieldProblem], description: 'Why an invalid flag was refused' })
  problems?: FieldProblem[];

  @ApiPropertyOptional({ description: 'Cases whose bank card the payee account is (new flags)' })
  hits?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The dissuasion task the hit opened' })
  dissuasionId?: string;
}

@ApiSchema({ description: 'Counts of a batch’s flags by outcome' })
export class TransferFlagTotals {
  @ApiProperty({ description: 'Flags in the request' }) received!: number;
  @ApiProperty({ description: 'New flags stored' }) created!: number;
  @ApiProperty({ description: 'Flags already reported (same bank and reference)' })
  duplicate!: number;
  @ApiProperty({ description: 'Flags refused as invalid' }) invalid!: number;
  @ApiProperty({ description: 'Hits of the new flags on cases' }) hits!: number;
  @ApiProperty({ description: 'Dissuasion tasks opened' }) dissuasions!: number;
}

@ApiSchema({ description: 'The answer to a flag or a batch: one result per flag, and totals' })
export class TransferFlagIngestResult {
  @ApiProperty({
    description: 'One result per flag, in request order',
    type: [TransferFlagItemResult],
  })
  items!: TransferFlagItemResult[];
  @ApiProperty({ description: 'Counts by outcome', type: TransferFlagTotals })
  totals!: TransferFlagTotals;
}

// ---------------------------------------------------------------------------------------------
// Reads

export class ListTransferFlagsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only flags that hit (true) or did not hit (false) a case' })
  @IsOptional()
  @Transform(booleanQuery)
  @IsBoolean()
  hasHits?: boolean;
}

@ApiSchema({ description: 'A suspicious transfer (可疑交易) reported by a bank' })
export class TransferFlagDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The bank that sent it' }) bankUnitId!: string;
  @ApiProperty({ description: 'Reporting bank', example: '中国工商银行贵阳分行' })
  bankName!: string;
  @ApiProperty({ description: 'The bank’s own reference for the flag' }) externalRef!: string;
  @ApiProperty({
    description: 'Paying account (付款账户), the possible victim',
    example: '6212262402001234567',
  })
  payerAccount!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Masked for admins (payer PII)',
  })
  payerName!: string | null;
  @ApiProperty({
    description: 'Receiving account (收款账户), the suspect side',
    example: '6222021234567890128',
  })
  payeeAccount!: string;
  @ApiProperty({ description: 'Name on the receiving account', nullable: true, type: String })
  payeeName!: string | null;
  @ApiProperty({ description: 'Bank of the receiving account', nullable: true, type: String })
  payeeBank!: string | null;
  @ApiProperty({ description: 'Fen (分)' }) amountFen!: number;
  @ApiProperty({ description: 'When the transfer happened' }) occurredAt!: string;
  @ApiProperty({ description: 'Why the bank flagged it' }) reason!: string;
  @ApiProperty({ description: 'Reported by a user or an API key', enum: ['user', 'api_key'] })
  submittedByKind!: 'user' | 'api_key';
  @ApiProperty({ description: 'That user or API key', format: 'uuid' }) submittedById!: string;
  @ApiProperty({ description: 'Cases the payee account is named in, at ingest' }) hits!: number;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({ description: 'One page of transfer flags' })
export class TransferFlagPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [TransferFlagDto] })
  items!: TransferFlagDto[];
}

export class ListTransferHitsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Hits on this case only' })
  @IsOptional()
  @IsUUID()
  caseId?: string;
}

@ApiSchema({ description: 'A transfer flag whose payee account is an identifier of a case (命中)' })
export class TransferHitDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The transfer flag', format: 'uuid' }) flagId!: string;
  @ApiProperty({ description: 'The case whose identifier it hit', format: 'uuid' }) caseId!: string;
  @ApiProperty({
    description: 'Case number (案件编号): unit code, fraud type, year and sequence',
    example: 'GY-YY-WA-2026-000001',
  })
  caseNo!: string;
  @ApiProperty({ format: 'uuid', description: 'The case’s owning unit' }) caseUnitId!: string;
  @ApiProperty({ format: 'uuid', description: 'The bank card identifier that matched' })
  identifierId!: string;
  @ApiProperty({
    description: 'Receiving account (收款账户), the suspect side',
    example: '6222021234567890128',
  })
  payeeAccount!: string;
  @ApiProperty({
    description: 'Paying account (付款账户), the possible victim',
    example: '6212262402001234567',
  })
  payerAccount!: string;
  @ApiProperty({ description: 'Fen (分)' }) amountFen!: number;
  @ApiProperty({ description: 'When the transfer happened' }) occurredAt!: string;
  @ApiProperty({ description: 'Reporting bank unit', format: 'uuid' }) bankUnitId!: string;
  @ApiProperty({ description: 'Reporting bank', example: '中国工商银行贵阳分行' })
  bankName!: string;
  @ApiProperty({
    description: 'The dissuasion task opened for it, if any',
    nullable: true,
    type: String,
    format: 'uuid',
  })
  dissuasionId!: string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({ description: 'One page of hits' })
export class TransferHitPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [TransferHitDto] })
  items!: TransferHitDto[];
}

// ---------------------------------------------------------------------------------------------
// Dissuasion (预警劝阻)

export class ListDissuasionsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'open or closed', enum: DISSUASION_STATUSES })
  @IsOptional()
  @IsIn(DISSUASION_STATUSES)
  status?: DissuasionStatus;

  @ApiPropertyOptional({
    description: 'Only tasks of this risk grade (风险等级)',
    enum: RISK_GRADES,
  })
  @IsOptional()
  @IsIn(RISK_GRADES)
  riskGrade?: RiskGrade;
}

@ApiSchema({ description: 'A contact attempt (电话, 上门, 短信, 银行柜台)' })
export class AddContactDto {
  @ApiProperty({
    enum: CONTACT_METHODS,
    description: 'phone 电话, visit 上门, sms 短信, bank_counter 银行柜面',
  })
  @IsIn(CONTACT_METHODS)
  method!: ContactMethod;

  @ApiPropertyOptional({
    description: 'What happened',
    example: '已电话联系付款人，对方称正在操作“刷单”转账。',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

@ApiSchema({ description: 'How a dissuasion task ended' })
export class DissuasionOutcomeDto {
  @ApiProperty({
    enum: DISSUASION_OUTCOMES,
    description:
      'stopped 已劝阻, already_paid 已被骗 (opens a case draft), unreachable 联系不上, not_fraud 非诈骗',
  })
  @IsIn(DISSUASION_OUTCOMES)
  outcome!: DissuasionOutcome;

  @ApiPropertyOptional({ description: 'Note on the outcome', example: '付款人已停止转账。' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

@ApiSchema({ description: 'One contact attempt with a possible victim' })
export class DissuasionContactDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'phone (电话), visit (上门), sms (短信) or bank_counter (银行柜台)',
    enum: CONTACT_METHODS,
  })
  method!: ContactMethod;
  @ApiProperty({ description: 'What happened', nullable: true, type: String }) note!: string | null;
  @ApiProperty({
    description: 'Who did it (user or API key id)',
    nullable: true,
    type: String,
    format: 'uuid',
  })
  actorId!: string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({
  description: 'A dissuasion task (劝阻任务): reach the payer before more money leaves',
})
export class DissuasionDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The transfer flag that opened it', format: 'uuid' }) flagId!: string;
  @ApiProperty({ format: 'uuid', description: 'The bank card identifier the flag hit' })
  identifierId!: string;
  @ApiProperty({
    description: 'Receiving account (收款账户), the suspect side',
    example: '6222021234567890128',
  })
  payeeAccount!: string;
  @ApiProperty({
    description: 'Paying account (付款账户), the possible victim',
    example: '6212262402001234567',
  })
  payerAccount!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Masked for admins (payer PII)' })
  payerName!: string | null;
  @ApiProperty({ description: 'Fen (分)' }) amountFen!: number;
  @ApiProperty({ description: 'When the transfer happened' }) occurredAt!: string;
  @ApiProperty({ description: 'Reporting bank', example: '中国工商银行贵阳分行' })
  bankName!: string;
  @ApiProperty({ description: 'Risk grade (风险等级): high, medium or low', enum: RISK_GRADES })
  riskGrade!: RiskGrade;
  @ApiProperty({ format: 'uuid', description: 'The unit that must reach the payer' })
  unitId!: string;
  @ApiProperty({ description: '30 minutes after the task was opened' }) dueAt!: string;
  @ApiProperty({ description: 'Open, not yet contacted and past its due time' })
  overdue!: boolean;
  @ApiProperty({ description: 'open or closed', enum: DISSUASION_STATUSES })
  status!: DissuasionStatus;
  @ApiProperty({
    description:
      'stopped (劝阻成功), already_paid (已被骗), unreachable (联系不上) or not_fraud; null while open',
    nullable: true,
    enum: DISSUASION_OUTCOMES,
    type: String,
  })
  outcome!: DissuasionOutcome | null;
  @ApiProperty({ description: 'Note on the outcome', nullable: true, type: String }) outcomeNote!:
    string | null;
  @ApiProperty({ description: 'First contact attempt', nullable: true, type: String })
  firstContactAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Seconds from opening the task to the first contact attempt',
  })
  timeToFirstContactSeconds!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When supervisors were told it was not contacted in time',
  })
  escalatedAt!: string | null;
  @ApiProperty({ description: 'When it was closed', nullable: true, type: String }) closedAt!:
    string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The case drafted when the outcome was already_paid',
  })
  draftCaseId!: string | null;
  @ApiProperty({ description: 'Contact attempts, oldest first', type: [DissuasionContactDto] })
  contacts!: DissuasionContactDto[];
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
}

@ApiSchema({ description: 'One page of dissuasion tasks' })
export class DissuasionPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [DissuasionDto] })
  items!: DissuasionDto[];
}
