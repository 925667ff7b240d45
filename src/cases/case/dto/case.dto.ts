import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
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
import { Clearable } from '../../../common/validation/optional.js';
import { FILTER_BOUND, IsDateTime, PAST_EVENT } from '../../../common/validation/date-time.js';
import { IsFen } from '../../../common/money.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { CASE_STATUSES, CaseStatus } from '../case-status.js';
import { IDENTIFIER_KINDS, IdentifierKind } from '../../../common/validation/identifiers.js';
import { IDENTIFIER_ROLES, TRANSFER_CHANNELS } from '../case-constants.js';

@ApiSchema({
  description:
    'A victim (受害人) of a new case; the ID number, phone and address are stored encrypted',
})
export class VictimInput {
  @ApiProperty({ description: 'Full name', example: '张三' })
  @IsString()
  @Length(1, 50)
  name!: string;
  @ApiPropertyOptional({
    example: '11010519491231002X',
    description: '居民身份证号, 18 characters, checked (GB 11643)',
  })
  @IsOptional()
  @IsString()
  idNumber?: string;
  @ApiPropertyOptional({ description: 'Mobile phone number', example: '13812345678' })
  @IsOptional()
  @IsString()
  phone?: string;
  @ApiPropertyOptional({ description: 'Home address', example: '贵阳市云岩区东山路12号' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  address?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The community (社区) the victim lives in' })
  @IsOptional()
  @IsUUID()
  communityUnitId?: string;
}

@ApiSchema({
  description:
    'An identifier (涉案标识) a case names: bank card, phone, WeChat, Alipay, QQ, URL, app, …',
})
export class IdentifierInput {
  @ApiProperty({
    description: 'bank_card (银行卡), phone, wechat, alipay, qq, url, app or other',
    enum: IDENTIFIER_KINDS,
  })
  @IsIn(IDENTIFIER_KINDS)
  kind!: IdentifierKind;
  @ApiProperty({
    example: '6222 0212 3456 7890 128',
    description: 'Normalized before storing (digits only for cards and phones, …)',
  })
  @IsString()
  @Length(1, 500)
  value!: string;
  @ApiPropertyOptional({ description: 'Bank name, for a bank card', example: '中国工商银行' })
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
  @ApiPropertyOptional({ description: 'Free-text note' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

@ApiSchema({ description: 'A victim’s transfer (转账) to a suspect’s account in a new case' })
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
  @ApiProperty({ description: 'When the money left', example: '2026-11-20T14:05:00+08:00' })
  @IsDateTime(PAST_EVENT)
  transferredAt!: string;
  @ApiProperty({
    description: 'How it was paid: bank transfer, WeChat Pay, Alipay, cash or other',
    enum: TRANSFER_CHANNELS,
  })
  @IsIn(TRANSFER_CHANNELS)
  channel!: (typeof TRANSFER_CHANNELS)[number];
}

@ApiSchema({
  description: 'A case to register (接报立案), with its victims, identifiers and transfers',
})
export class CreateCaseDto {
  @ApiProperty({ example: 'task_rebate', description: 'A code from GET /fraud-types' })
  @IsString()
  fraudType!: string;
  @ApiProperty({
    description: 'Brief facts of the case (简要案情)',
    example: '受害人在兼职群内被诱导刷单，先后向对方提供的银行卡转账5笔。',
  })
  @IsString()
  @Length(1, 5000)
  summary!: string;
  @ApiProperty({
    description: 'When the victim reported it (报案时间)',
    example: '2026-11-21T09:30:00+08:00',
  })
  @IsDateTime(PAST_EVENT)
  reportedAt!: string;
  @ApiPropertyOptional({
    description: 'When the fraud happened (案发时间)',
    example: '2026-11-20T14:00:00+08:00',
  })
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
  @ApiPropertyOptional({ description: 'Victims (受害人)', type: [VictimInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => VictimInput)
  victims?: VictimInput[];
  @ApiPropertyOptional({
    description: 'Identifiers the case names (涉案标识)',
    type: [IdentifierInput],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => IdentifierInput)
  identifiers?: IdentifierInput[];
  @ApiPropertyOptional({ description: 'Victims’ transfers (转账记录)', type: [TransferInput] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => TransferInput)
  transfers?: TransferInput[];
}

@ApiSchema({ description: 'Changes to a case; absent fields stay as they are' })
export class UpdateCaseDto {
  @ApiPropertyOptional({ description: 'Fraud type (诈骗类型) code, see GET /fraud-types' })
  @IsOptional()
  @IsString()
  fraudType?: string;
  @ApiPropertyOptional({ description: 'Brief facts of the case (简要案情)' })
  @IsOptional()
  @IsString()
  @Length(1, 5000)
  summary?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-11-20T14:00:00+08:00',
    description: 'null clears it (the time turned out to be unknown)',
  })
  @Clearable()
  @IsDateTime(PAST_EVENT)
  occurredAt?: string | null;
  @ApiPropertyOptional({ description: 'Officer in charge (主办民警)', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  officerId?: string;
}

@ApiSchema({ description: 'A workflow step of a case (立案, 侦查中, 破案, 结案, 不予立案, 中止)' })
export class TransitionDto {
  @ApiProperty({ description: 'The status to move to', enum: CASE_STATUSES })
  @IsIn(CASE_STATUSES)
  to!: CaseStatus;
  @ApiProperty({
    description: 'Why (required for rejecting or suspending)',
    example: '经审查符合立案条件',
  })
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

@ApiSchema({ description: 'A note (办案记录) on a case' })
export class NoteDto {
  @ApiProperty({
    description: 'The note, up to 10,000 characters',
    example: '已调取涉案银行卡流水。',
  })
  @IsString()
  @Length(1, 10000)
  body!: string;
}

@ApiSchema({ description: 'A transfer of one of the case’s victims to add to the case' })
export class AddVictimTransferDto {
  @ApiProperty({ description: 'The victim who paid', format: 'uuid' }) @IsUUID() victimId!: string;
  @ApiProperty({ format: 'uuid', description: 'An identifier linked to this case' })
  @IsUUID()
  identifierId!: string;
  @ApiProperty({ description: 'Amount in fen (分, 1/100 yuan), an integer', example: 5000000 })
  @IsFen()
  amountFen!: number;
  @ApiProperty({ description: 'When the money left', example: '2026-11-20T14:05:00+08:00' })
  @IsDateTime(PAST_EVENT)
  transferredAt!: string;
  @ApiProperty({
    description: 'How it was paid: bank transfer, WeChat Pay, Alipay, cash or other',
    enum: TRANSFER_CHANNELS,
  })
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
  @ApiPropertyOptional({ description: 'Only cases in this workflow status', enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;
  @ApiPropertyOptional({ description: 'Only cases of this fraud type (诈骗类型)' })
  @IsOptional()
  @IsString()
  fraudType?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cases of this unit and the units under it' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
  @ApiPropertyOptional({ description: 'Reported at or after (报案时间 from)' })
  @IsOptional()
  @IsDateTime(FILTER_BOUND)
  reportedFrom?: string;
  @ApiPropertyOptional({ description: 'Reported before (报案时间 to)' })
  @IsOptional()
  @IsDateTime(FILTER_BOUND)
  reportedTo?: string;
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
@ApiSchema({
  description:
    'How police look a case up (案件查询): case number, victim ID number or phone, summary text',
})
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

@ApiSchema({ description: 'A victim (受害人) of a case; PII is masked unless revealed' })
export class VictimDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ example: '张*', description: 'Masked unless revealed' }) name!: string;
  @ApiProperty({
    description: 'Resident ID number (身份证号), masked unless revealed',
    nullable: true,
    type: String,
    example: '110***********002X',
  })
  idNumber!: string | null;
  @ApiProperty({
    description: 'Phone, masked unless revealed',
    nullable: true,
    type: String,
    example: '138****5678',
  })
  phone!: string | null;
  @ApiProperty({ description: 'Address, masked unless revealed', nullable: true, type: String })
  address!: string | null;
  @ApiProperty({
    description: 'Community (社区) the victim lives in',
    nullable: true,
    type: String,
    format: 'uuid',
  })
  communityUnitId!: string | null;
  @ApiProperty({ description: 'Whether the PII fields are shown in clear' }) revealed!: boolean;
}

@ApiSchema({ description: 'An identifier (涉案标识) linked to a case, and its role in it' })
export class CaseIdentifierDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'bank_card (银行卡), phone, wechat, alipay, qq, url, app or other',
    enum: IDENTIFIER_KINDS,
  })
  kind!: string;
  @ApiProperty({ description: 'The account number, phone number, URL, … (normalised)' })
  value!: string;
  @ApiProperty({ description: 'Bank name, for a bank card', nullable: true, type: String })
  bankName!: string | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'For cards: whether the number passes the Luhn check',
  })
  luhnValid!: boolean | null;
  @ApiProperty({
    description:
      'Its role in the case: receiving account (收款账户), contact phone, contact account, website, app, other',
    enum: IDENTIFIER_ROLES,
  })
  role!: string;
  @ApiProperty({ description: 'Free-text note', nullable: true, type: String }) note!:
    string | null;
}

@ApiSchema({ description: 'A victim’s transfer (转账) to an identifier of the case' })
export class TransferDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Victim (受害人) id', format: 'uuid' }) victimId!: string;
  @ApiProperty({ description: 'The receiving identifier', format: 'uuid' }) identifierId!: string;
  @ApiProperty({ description: 'Amount in fen (分, 1/100 yuan), an integer' }) amountFen!: number;
  @ApiProperty({ description: 'When the money left' }) transferredAt!: string;
  @ApiProperty({
    description: 'How it was paid: bank transfer, WeChat Pay, Alipay, cash or other',
    enum: TRANSFER_CHANNELS,
  })
  channel!: string;
}

@ApiSchema({ description: 'A case (案件) without its victims, identifiers and transfers' })
export class CaseSummaryDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'Case number (案件编号): unit code, fraud type, year and sequence',
    example: 'GY-YY-WA-2026-000001',
  })
  caseNo!: string;
  @ApiProperty({ description: 'Fraud type (诈骗类型) code, see GET /fraud-types' })
  fraudType!: string;
  @ApiProperty({
    description:
      'Workflow status: reported (报案), registered (立案), investigating (侦查中), solved (破案), closed (结案), rejected (不予立案), suspended (中止)',
    enum: CASE_STATUSES,
  })
  status!: string;
  @ApiProperty({ description: 'Brief facts of the case (简要案情)' }) summary!: string;
  @ApiProperty({ description: 'When the victim reported it (报案时间)' }) reportedAt!: string;
  @ApiProperty({ description: 'When the fraud happened (案发时间)', nullable: true, type: String })
  occurredAt!: string | null;
  @ApiProperty({ description: 'Unit that handles the case (办案单位)', format: 'uuid' })
  unitId!: string;
  @ApiProperty({
    description: 'Officer in charge (主办民警)',
    nullable: true,
    type: String,
    format: 'uuid',
  })
  officerId!: string | null;
  @ApiProperty({ description: 'Sum of the victims’ transfers, in fen' }) lossFen!: number;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
  @ApiProperty({ description: 'When it was last changed' }) updatedAt!: string;
}

@ApiSchema({ description: 'A case (案件) with its victims, identifiers and transfers' })
export class CaseDto extends CaseSummaryDto {
  @ApiProperty({ description: 'Victims (受害人)', type: [VictimDto] }) victims!: VictimDto[];
  @ApiProperty({ description: 'Identifiers (涉案标识)', type: [CaseIdentifierDto] })
  identifiers!: CaseIdentifierDto[];
  @ApiProperty({ description: 'Transfers (转账记录)', type: [TransferDto] })
  transfers!: TransferDto[];
}

@ApiSchema({ description: 'One page of cases' })
export class CasePage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [CaseSummaryDto] })
  items!: CaseSummaryDto[];
}

@ApiSchema({
  description: 'One entry of a case’s timeline: a status change, a note or an evidence upload',
})
export class TimelineEntryDto {
  @ApiProperty({
    description: 'transition (status change), note or evidence',
    enum: ['transition', 'note', 'evidence'],
  })
  type!: 'transition' | 'note' | 'evidence';
  @ApiProperty({ description: 'Id of the entry', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'When' }) at!: string;
  @ApiProperty({
    description: 'Who did it (user or API key id)',
    nullable: true,
    type: String,
    format: 'uuid',
  })
  actorId!: string | null;
  @ApiProperty({ description: 'Previous status, for a transition', required: false }) from?: string;
  @ApiProperty({ description: 'New status, for a transition', required: false }) to?: string;
  @ApiProperty({
    description: 'The reason of a transition, the text of a note, or the filename of evidence',
  })
  text!: string;
}
