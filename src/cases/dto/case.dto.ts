import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';
import { Clearable } from '../../common/validation/optional.js';
import { FILTER_BOUND, IsDateTime, PAST_EVENT } from '../../common/validation/date-time.js';
import { IsFen } from '../../common/money.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { CASE_STATUSES, CaseStatus } from '../case-status.js';
import { IDENTIFIER_KINDS, IdentifierKind } from '../../common/validation/identifiers.js';
import { IDENTIFIER_ROLES, TRANSFER_CHANNELS } from '../case-constants.js';

export class VictimInput {
  @ApiProperty({ example: '张三' }) @IsString() @Length(1, 50) name!: string;
  @ApiPropertyOptional({
    example: '11010519491231002X',
    description: '居民身份证号, 18 characters, checked (GB 11643)',
  })
  @IsOptional()
  @IsString()
  idNumber?: string;
  @ApiPropertyOptional({ example: '13812345678' }) @IsOptional() @IsString() phone?: string;
  @ApiPropertyOptional({ example: '贵阳市云岩区东山路12号' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  address?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The community (社区) the victim lives in' })
  @IsOptional()
  @IsUUID()
  communityUnitId?: string;
}

export class IdentifierInput {
  @ApiProperty({ enum: IDENTIFIER_KINDS }) @IsIn(IDENTIFIER_KINDS) kind!: IdentifierKind;
  @ApiProperty({
    example: '6222 0212 3456 7890 128',
    description: 'Normalized before storing (digits only for cards and phones, …)',
  })
  @IsString()
  @Length(1, 500)
  value!: string;
  @ApiPropertyOptional({ example: '中国工商银行' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  bankName?: string;
  @ApiPropertyOptional({
    enum: IDENTIFIER_ROLES,
    default: 'other',
    description: 'What this case says the identifier is',
  })
  @IsOptional()
  @IsIn(IDENTIFIER_ROLES)
  role?: (typeof IDENTIFIER_ROLES)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000) note?: string;
}

export class TransferInput {
  @ApiProperty({ description: 'Index of the victim in this request’s victims' })
  @IsInt()
  @Min(0)
  victimIndex!: number;
  @ApiProperty({ description: 'Index of the receiving identifier in this request’s identifiers' })
  @IsInt()
  @Min(0)
  identifierIndex!: number;
  @ApiProperty({ example: 5000000, description: 'Amount in fen (分)' }) @IsFen() amountFen!: number;
  @ApiProperty({ example: '2026-11-20T14:05:00+08:00' })
  @IsDateTime(PAST_EVENT)
  transferredAt!: string;
  @ApiProperty({ enum: TRANSFER_CHANNELS })
  @IsIn(TRANSFER_CHANNELS)
  channel!: (typeof TRANSFER_CHANNELS)[number];
}

export class CreateCaseDto {
  @ApiProperty({ example: 'task_rebate', description: 'A code from GET /fraud-types' })
  @IsString()
  fraudType!: string;
  @ApiProperty({ example: '受害人在兼职群内被诱导刷单，先后向对方提供的银行卡转账5笔。' })
  @IsString()
  @Length(1, 5000)
  summary!: string;
  @ApiProperty({ example: '2026-11-21T09:30:00+08:00' })
  @IsDateTime(PAST_EVENT)
  reportedAt!: string;
  @ApiPropertyOptional({ example: '2026-11-20T14:00:00+08:00' })
  @IsOptional()
  @IsDateTime(PAST_EVENT)
  occurredAt?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Owning unit; defaults to the caller’s unit',
  })
  @IsOptional()
  @IsUUID()
  unitId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Responsible officer; defaults to the caller',
  })
  @IsOptional()
  @IsUUID()
  officerId?: string;
  @ApiPropertyOptional({ type: [VictimInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => VictimInput)
  victims?: VictimInput[];
  @ApiPropertyOptional({ type: [IdentifierInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => IdentifierInput)
  identifiers?: IdentifierInput[];
  @ApiPropertyOptional({ type: [TransferInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => TransferInput)
  transfers?: TransferInput[];
}

export class UpdateCaseDto {
  @ApiPropertyOptional() @IsOptional() @IsString() fraudType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 5000) summary?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-11-20T14:00:00+08:00',
    description: 'null clears it (the time turned out to be unknown)',
  })
  @Clearable()
  @IsDateTime(PAST_EVENT)
  occurredAt?: string | null;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() officerId?: string;
}

export class TransitionDto {
  @ApiProperty({ enum: CASE_STATUSES }) @IsIn(CASE_STATUSES) to!: CaseStatus;
  @ApiProperty({ example: '经审查符合立案条件' }) @IsString() @Length(1, 1000) reason!: string;
}

export class NoteDto {
  @ApiProperty({ example: '已调取涉案银行卡流水。' }) @IsString() @Length(1, 10000) body!: string;
}

export class AddVictimTransferDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() victimId!: string;
  @ApiProperty({ format: 'uuid', description: 'An identifier linked to this case' })
  @IsUUID()
  identifierId!: string;
  @ApiProperty({ example: 5000000 }) @IsFen() amountFen!: number;
  @ApiProperty({ example: '2026-11-20T14:05:00+08:00' })
  @IsDateTime(PAST_EVENT)
  transferredAt!: string;
  @ApiProperty({ enum: TRANSFER_CHANNELS })
  @IsIn(TRANSFER_CHANNELS)
  channel!: (typeof TRANSFER_CHANNELS)[number];
}

export class RevealQuery {
  @ApiPropertyOptional({
    enum: ['pii'],
    description: 'Show victim PII in clear (supervisors and officers; audited)',
  })
  @IsOptional()
  @IsIn(['pii'])
  reveal?: 'pii';
}

export class ListCasesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;
  @ApiPropertyOptional() @IsOptional() @IsString() fraudType?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cases of this unit and the units under it' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateTime(FILTER_BOUND) reportedFrom?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateTime(FILTER_BOUND) reportedTo?: string;
  @ApiPropertyOptional({ description: 'Minimum loss in fen' })
  @IsOptional()
  @Transform(({ value }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsFen()
  minLossFen?: number;
  @ApiPropertyOptional({ description: 'Text in the summary' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}

/**
 * POST /cases/search: how police look a case up. PII travels in the body, never in the URL (URLs
 * end up in logs, proxies and browser histories). Every criterion given must match.
 */
export class SearchCasesDto extends PageQuery {
  @ApiPropertyOptional({
    example: 'GY-YY-WA-2026-000123',
    description:
      'Case number (案件编号), whole or its beginning; case and spaces do not matter (`gy-yy-wa-2026` finds GY-YY-WA-2026-…)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  caseNo?: string;
  @ApiPropertyOptional({
    example: '11010519491231002X',
    description:
      'A victim’s citizen ID number (居民身份证号), whole: checked (GB 11643), spaces and a lower-case x allowed; matched by blind index. Audited',
  })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  idNumber?: string;
  @ApiPropertyOptional({
    example: '+86 138-1234-5678',
    description:
      'A victim’s mobile number (手机号), whole: +86, spaces and dashes allowed; matched by blind index. Audited',
  })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  phone?: string;
  @ApiPropertyOptional({ description: 'Text in the summary (简要案情)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}

export class VictimDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '张*', description: 'Masked unless revealed' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: '110***********002X' }) idNumber!:
    string | null;
  @ApiProperty({ nullable: true, type: String, example: '138****5678' }) phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) communityUnitId!: string | null;
  @ApiProperty({ description: 'Whether the PII fields are shown in clear' }) revealed!: boolean;
}

export class CaseIdentifierDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: IDENTIFIER_KINDS }) kind!: string;
  @ApiProperty() value!: string;
  @ApiProperty({ nullable: true, type: String }) bankName!: string | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'For cards: whether the number passes the Luhn check',
  })
  luhnValid!: boolean | null;
  @ApiProperty({ enum: IDENTIFIER_ROLES }) role!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class TransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) victimId!: string;
  @ApiProperty({ format: 'uuid' }) identifierId!: string;
  @ApiProperty() amountFen!: number;
  @ApiProperty() transferredAt!: string;
  @ApiProperty({ enum: TRANSFER_CHANNELS }) channel!: string;
}

export class CaseSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'GY-YY-WA-2026-000001' }) caseNo!: string;
  @ApiProperty() fraudType!: string;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty() summary!: string;
  @ApiProperty() reportedAt!: string;
  @ApiProperty({ nullable: true, type: String }) occurredAt!: string | null;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) officerId!: string | null;
  @ApiProperty({ description: 'Sum of the victims’ transfers, in fen' }) lossFen!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CaseDto extends CaseSummaryDto {
  @ApiProperty({ type: [VictimDto] }) victims!: VictimDto[];
  @ApiProperty({ type: [CaseIdentifierDto] }) identifiers!: CaseIdentifierDto[];
  @ApiProperty({ type: [TransferDto] }) transfers!: TransferDto[];
}

export class CasePage extends PageMeta {
  @ApiProperty({ type: [CaseSummaryDto] }) items!: CaseSummaryDto[];
}

export class TimelineEntryDto {
  @ApiProperty({ enum: ['transition', 'note', 'evidence'] })
  type!: 'transition' | 'note' | 'evidence';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actorId!: string | null;
  @ApiProperty({ required: false }) from?: string;
  @ApiProperty({ required: false }) to?: string;
  @ApiProperty({
    description: 'The reason of a transition, the text of a note, or the filename of evidence',
  })
  text!: string;
}
