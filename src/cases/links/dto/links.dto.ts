import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IDENTIFIER_KINDS, IdentifierKind } from '../../../common/validation/identifiers.js';
import { IDENTIFIER_ROLES } from '../../case/case-constants.js';
import { CASE_STATUSES, CaseStatus } from '../../case/case-status.js';

export const MIN_LINK_DEPTH = 1;
export const MAX_LINK_DEPTH = 3;
export const DEFAULT_LINK_DEPTH = 2;

export class LinksQuery {
  @ApiPropertyOptional({
    minimum: MIN_LINK_DEPTH,
    maximum: MAX_LINK_DEPTH,
    default: DEFAULT_LINK_DEPTH,
    description: 'How many hops (case → shared identifier → case) to follow',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(MIN_LINK_DEPTH)
  @Max(MAX_LINK_DEPTH)
  depth?: number;
}

@ApiSchema({ description: 'A unit by id and name' })
export class UnitRefDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Full name', example: '南明分局花溪大道派出所' }) name!: string;
}

/**
 * One step of the chain that links a case: an identifier, or a case the chain passes through (the
 * last step is the linked case itself). What the caller may not see is null: an identifier shared
 * only by cases out of scope, a case out of scope (only its unit is shown).
 */
@ApiSchema({
  description:
    'One step of the chain that links a case: an identifier, or a case the chain passes through',
})
export class LinkStepDto {
  @ApiProperty({
    description: 'identifier, or a case the chain passes through',
    enum: ['identifier', 'case'],
  })
  type!: 'identifier' | 'case';
  @ApiProperty({ description: 'Whether the caller may see this identifier or case' })
  visible!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'Null when not visible',
  })
  id!: string | null;
  @ApiPropertyOptional({
    enum: IDENTIFIER_KINDS,
    nullable: true,
    description: 'Identifier steps: the kind (null when not visible)',
  })
  kind?: IdentifierKind | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '6222021234567890128',
    description: 'Identifier steps: the normalized value (null when not visible)',
  })
  value?: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'GY-YY-WA-2026-000002',
    description: 'Case steps: the case number (null when not visible)',
  })
  caseNo?: string | null;
  @ApiPropertyOptional({ type: UnitRefDto, description: 'Case steps: the owning unit' })
  unit?: UnitRefDto;
}

/**
 * A case linked to the start case (串并案). One the caller may not see has only `id: null`,
 * `visible: false`, its unit, and how it is linked (depth and path); none of its content.
 */
@ApiSchema({
  description:
    'A case linked to the start case (串并案); one the caller may not see shows only its unit and how it is linked',
})
export class LinkedCaseDto {
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'Null when not visible',
  })
  id!: string | null;
  @ApiProperty({ description: 'False when the case lies outside the caller’s unit subtree' })
  visible!: boolean;
  @ApiProperty({ type: UnitRefDto, description: 'The owning unit (also for cases not visible)' })
  unit!: UnitRefDto;
  @ApiProperty({ minimum: 1, maximum: MAX_LINK_DEPTH, description: 'Hops from the start case' })
  depth!: number;
  @ApiProperty({
    type: [LinkStepDto],
    description:
      'The shortest chain from the start case: identifier, case, identifier, …, ending with this case',
  })
  path!: LinkStepDto[];
  @ApiPropertyOptional({ example: 'GY-YY-WA-2026-000002', description: 'Only when visible' })
  caseNo?: string;
  @ApiPropertyOptional({ enum: CASE_STATUSES, description: 'Only when visible' })
  status?: CaseStatus;
  @ApiPropertyOptional({ example: 'task_rebate', description: 'Only when visible' })
  fraudType?: string;
  @ApiPropertyOptional({ description: 'Only when visible' }) summary?: string;
  @ApiPropertyOptional({ description: 'Sum of the victims’ transfers, in fen; only when visible' })
  lossFen?: number;
  @ApiPropertyOptional({ example: '2026-11-21T01:30:00.000Z', description: 'Only when visible' })
  reportedAt?: string;
}

@ApiSchema({ description: 'The cases linked to a case (串并案) through shared identifiers' })
export class CaseLinksDto {
  @ApiProperty({ description: 'The start case', format: 'uuid' }) caseId!: string;
  @ApiProperty({ description: 'The start case’s number', example: 'GY-YY-WA-2026-000001' })
  caseNo!: string;
  @ApiProperty({
    minimum: MIN_LINK_DEPTH,
    maximum: MAX_LINK_DEPTH,
    description: 'The depth asked for',
  })
  depth!: number;
  @ApiProperty({ type: [LinkedCaseDto], description: 'Nearest first, then by path' })
  linked!: LinkedCaseDto[];
  @ApiProperty({ example: 500, description: 'At most this many linked cases are answered' })
  limit!: number;
  @ApiProperty({
    description: 'True when more cases are linked than `limit`; the nearest are answered',
  })
  truncated!: boolean;
}

export class IdentifierLookupQuery {
  @ApiProperty({
    description: 'bank_card (银行卡), phone, wechat, alipay, qq, url, app or other',
    enum: IDENTIFIER_KINDS,
  })
  @IsIn(IDENTIFIER_KINDS)
  kind!: IdentifierKind;
  @ApiProperty({
    example: '6222 0212 3456 7890 128',
    description: 'As written anywhere; normalized like identifiers of cases before the lookup',
  })
  @IsString()
  @Length(1, 2000)
  value!: string;
}

@ApiSchema({ description: 'The identifier looked up' })
export class LookupIdentifierDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'bank_card (银行卡), phone, wechat, alipay, qq, url, app or other',
    enum: IDENTIFIER_KINDS,
  })
  kind!: IdentifierKind;
  @ApiProperty({ example: '6222021234567890128', description: 'Normalized value' }) value!: string;
  @ApiProperty({
    description: 'Bank name, for a bank card',
    nullable: true,
    type: String,
    example: '中国工商银行',
  })
  bankName!: string | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'For cards: whether the number passes the Luhn check',
  })
  luhnValid!: boolean | null;
  @ApiProperty({ description: 'When a case first named it' }) createdAt!: string;
}

/** A case in the caller's scope that names the identifier. */
@ApiSchema({ description: 'A case in the caller’s scope that names the identifier' })
export class IdentifierCaseDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'Case number (案件编号): unit code, fraud type, year and sequence',
    example: 'GY-YY-WA-2026-000001',
  })
  caseNo!: string;
  @ApiProperty({ description: 'Case workflow status', enum: CASE_STATUSES }) status!: CaseStatus;
  @ApiProperty({ description: 'Unit that handles the case', type: UnitRefDto }) unit!: UnitRefDto;
  @ApiProperty({ enum: IDENTIFIER_ROLES, description: 'What this case says the identifier is' })
  role!: string;
  @ApiProperty({ description: 'When the victim reported it (报案时间)' }) reportedAt!: string;
}

@ApiSchema({ description: 'Where an identifier appears, and the loss traced into it' })
export class IdentifierLookupDto {
  @ApiProperty({ description: 'The identifier', type: LookupIdentifierDto })
  identifier!: LookupIdentifierDto;
  @ApiProperty({
    type: [IdentifierCaseDto],
    description: 'Cases in the caller’s scope, newest first',
  })
  cases!: IdentifierCaseDto[];
  @ApiProperty({ description: 'How many cases in the caller’s scope name it (may exceed `cases`)' })
  inScopeCaseCount!: number;
  @ApiProperty({ description: 'How many cases outside the caller’s scope name it' })
  outOfScopeCaseCount!: number;
  @ApiProperty({
    example: 6234567,
    description:
      'Victims’ traced transfers into it over the cases in the caller’s scope, in fen (a total: at most 2^53 − 1)',
  })
  totalLossFen!: number;
  @ApiProperty({ description: 'True when `cases` holds only the newest of inScopeCaseCount' })
  truncated!: boolean;
}
