import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { IsCalendarDate, PAST_DAY } from '../../../common/validation/date-time.js';
import { IsFen } from '../../../common/money.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import type { AllocationMethod } from '../allocator.js';

const booleanQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const METHODS = ['single_victim', 'traced_transfer', 'pro_rata'];

@ApiSchema({ description: 'Money recovered from a frozen account of a freeze order' })
export class CreateRecoveryDto {
  @ApiProperty({ format: 'uuid', description: 'A freeze order (冻结) that holds the money' })
  @IsUUID()
  orderId!: string;
  @ApiProperty({ example: 1000000, description: 'Amount moved into custody, in fen (分)' })
  @IsFen()
  amountFen!: number;
  @ApiProperty({ example: '2026-12-01', description: 'Date the money reached the custody account' })
  @IsCalendarDate(PAST_DAY)
  recoveredOn!: string;
  @ApiProperty({
    description: 'Legal basis (法律依据)',
    example: '《公安机关办理刑事案件程序规定》第二百三十八条',
  })
  @IsString()
  @Length(1, 500)
  legalBasis!: string;
  @ApiPropertyOptional({ description: 'The custody account (暂扣款专户)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  custodyAccount?: string;
}

export class ListRecoveriesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only recoveries from this freeze order', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  orderId?: string;
  @ApiPropertyOptional({ description: 'Only recoveries of this case', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  caseId?: string;
}

export class AllocationQuery {
  @ApiPropertyOptional({
    description:
      'true: store the split (after the public notice for pro rata); otherwise propose it',
  })
  @IsOptional()
  @Transform(booleanQuery)
  @IsBoolean()
  confirm?: boolean;
}

@ApiSchema({ description: 'One victim’s share in an allocation proposal' })
export class AllocationPartDto {
  @ApiProperty({ description: 'Victim (受害人) id' }) victimId!: string;
  @ApiProperty({ description: 'Victim’s name, masked (e.g. 张*)', example: '张*' })
  victimName!: string;
  @ApiProperty({ description: 'The victim’s case' }) caseId!: string;
  @ApiProperty({ description: 'What the victim’s traced transfers put into the account, in fen' })
  tracedFen!: number;
  @ApiProperty({ description: 'The victim’s loss not yet returned, in fen' }) capFen!: number;
  @ApiProperty({ description: 'Amount in fen (分, 1/100 yuan), an integer' }) amountFen!: number;
}

@ApiSchema({ description: 'A proposed or confirmed split of a recovery among victims' })
export class AllocationProposalDto {
  @ApiProperty({ description: 'The recovery' }) recoveryId!: string;
  @ApiProperty({ description: 'The proposal', nullable: true, type: String }) proposalId!:
    string | null;
  @ApiProperty({
    description: 'single_victim, traced_transfer or pro_rata (按比例, needs a 公示 period)',
    enum: METHODS,
  })
  method!: AllocationMethod;
  @ApiProperty({ description: 'proposed or confirmed', enum: ['proposed', 'confirmed'] }) status!:
    'proposed' | 'confirmed';
  @ApiProperty({ description: 'Sum of the parts, in fen' }) totalFen!: number;
  @ApiProperty({ description: 'What of the recovery is not yet allocated, before this split' })
  availableFen!: number;
  @ApiProperty({ description: 'One part per victim', type: [AllocationPartDto] })
  parts!: AllocationPartDto[];
  @ApiProperty({ description: 'Whether a public notice (公示) must pass before confirming' })
  noticeRequired!: boolean;
  @ApiProperty({ description: 'When it was proposed', nullable: true, type: String }) proposedAt!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'End of the public notice (公示期)' })
  noticeEndsAt!: string | null;
  @ApiProperty({
    description: 'When it was confirmed; null while proposed',
    nullable: true,
    type: String,
  })
  confirmedAt!: string | null;
  @ApiPropertyOptional({
    type: () => [AllocationDto],
    description: 'The stored allocations, once confirmed',
  })
  allocations?: AllocationDto[];
}

@ApiSchema({ description: 'The share of a recovery allocated to one victim (返还分配)' })
export class AllocationDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'The recovery it is from' }) recoveryId!: string;
  @ApiProperty({ description: 'Victim (受害人) id' }) victimId!: string;
  @ApiProperty({ description: 'Victim’s name, masked (e.g. 张*)', example: '张*' })
  victimName!: string;
  @ApiProperty({ description: 'The victim’s case' }) caseId!: string;
  @ApiProperty({ description: 'Case number (案件编号): unit code, fraud type, year and sequence' })
  caseNo!: string;
  @ApiProperty({
    description:
      'How it was computed: single_victim, traced_transfer (by traced transfers) or pro_rata (按比例)',
    enum: METHODS,
  })
  method!: AllocationMethod;
  @ApiProperty({ description: 'Amount in fen (分, 1/100 yuan), an integer' }) amountFen!: number;
  @ApiProperty({ description: 'When it was confirmed; null while proposed' }) confirmedAt!: string;
  @ApiProperty({
    description: 'The ceremony it is returned at, if any',
    nullable: true,
    type: String,
  })
  ceremonyId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the victim signed for it (签收)',
  })
  signedAt!: string | null;
}

@ApiSchema({ description: 'Money recovered (追回) from a frozen account into custody' })
export class RecoveryDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'The freeze order it came from' }) orderId!: string;
  @ApiProperty({ description: 'Case (案件) id' }) caseId!: string;
  @ApiProperty({ description: 'Case number (案件编号): unit code, fraud type, year and sequence' })
  caseNo!: string;
  @ApiProperty({ description: 'Unit that recovered it' }) unitId!: string;
  @ApiProperty({ description: 'Amount recovered, in fen' }) amountFen!: number;
  @ApiProperty({ description: 'Amount allocated to victims so far, in fen' }) allocatedFen!: number;
  @ApiProperty({ description: 'Date recovered (YYYY-MM-DD, China time)' }) recoveredOn!: string;
  @ApiProperty({ description: 'Legal basis (法律依据)' }) legalBasis!: string;
  @ApiProperty({
    description: 'Custody account holding the money (暂扣款账户)',
    nullable: true,
    type: String,
  })
  custodyAccount!: string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
  @ApiPropertyOptional({ description: 'Its allocations to victims', type: [AllocationDto] })
  allocations?: AllocationDto[];
  @ApiPropertyOptional({
    description: 'The allocation proposal awaiting confirmation, if any',
    type: AllocationProposalDto,
    nullable: true,
  })
  openProposal?: AllocationProposalDto | null;
  @ApiPropertyOptional({
    description:
      'In lists: false for another unit’s recovery, listed by ?caseId= because it was allocated to that case’s victims (its detail is the other unit’s; see GET /cases/:id/money)',
  })
  inScope?: boolean;
  @ApiPropertyOptional({
    description: 'In lists by ?caseId=: what of this recovery went to that case’s victims, in fen',
  })
  caseAllocatedFen?: number;
}

@ApiSchema({ description: 'One page of recoveries' })
export class RecoveryPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [RecoveryDto] })
  items!: RecoveryDto[];
}

@ApiSchema({
  description:
    'The unit’s money figures in fen: requested, frozen, recovered, allocated, returned, and the golden hour',
})
export class RecoveryTotalsDto {
  @ApiProperty({
    description: 'Orders asked for (a stop-payment converted into a freeze counts once)',
  })
  orders!: number;
  @ApiProperty({ description: 'Σ requested, in fen' }) requestedFen!: number;
  @ApiProperty({ description: 'Σ stopped or frozen by the banks (冻结止付), in fen' })
  frozenFen!: number;
  @ApiProperty({ description: 'Σ still held by live orders now, in fen' }) heldFen!: number;
  @ApiProperty({ description: 'Σ recovered into custody (追回), in fen' }) recoveredFen!: number;
  @ApiProperty({ description: 'Σ confirmed allocations (返还分配), in fen' }) allocatedFen!: number;
  @ApiProperty({ description: 'Σ signed for at ceremonies (发还), in fen' }) returnedFen!: number;
  @ApiProperty({ description: 'Victims who signed for money' }) victimsReturned!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Average minutes from report to request',
  })
  avgMinutesToRequest!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Median minutes from report to request',
  })
  medianMinutesToRequest!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Average minutes from report to the bank’s answer',
  })
  avgMinutesToAnswer!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Median minutes from report to the bank’s answer',
  })
  medianMinutesToAnswer!: number | null;
}

@ApiSchema({ description: 'A stop-payment or freeze order that concerns a case (止付/冻结)' })
export class CaseMoneyOrderDto {
  @ApiProperty({ format: 'uuid', description: "The order's id" }) id!: string;
  @ApiProperty({
    enum: ['stop_payment', 'freeze'],
    description: 'stop_payment (紧急止付) or freeze (冻结)',
  })
  kind!: string;
  @ApiProperty({
    description:
      "The order's status (requested, frozen, partially_frozen, rejected, released, expired, converted)",
  })
  status!: string;
  @ApiProperty({ format: 'uuid', description: 'The account (identifier) the order holds' })
  identifierId!: string;
  @ApiProperty({ format: 'uuid', description: 'The unit that asked the bank' }) unitId!: string;
  @ApiProperty({ description: 'Name of the unit that asked the bank' }) unitName!: string;
  @ApiProperty({ format: 'uuid', description: 'The bank asked' }) bankUnitId!: string;
  @ApiProperty({ description: 'Name of the bank asked' }) bankName!: string;
  @ApiProperty({ description: 'Amount asked to stop or freeze, in fen' }) requestedFen!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Amount the bank stopped or froze, in fen; null before its answer',
  })
  frozenFen!: number | null;
  @ApiProperty({ description: 'Recovered (追回) from this order, in fen' }) recoveredFen!: number;
  @ApiProperty({ description: 'When the bank was asked (ISO 8601)' }) requestedAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When the stop or freeze lapses unless renewed (ISO 8601); null before the answer or once ended',
  })
  expiresAt!: string | null;
}

@ApiSchema({
  description:
    'Money allocated to a victim of the case (返还分配), with where it came from and whether it was returned',
})
export class CaseMoneyAllocationDto {
  @ApiProperty({ format: 'uuid', description: "The allocation's id" }) id!: string;
  @ApiProperty({
    enum: METHODS,
    description: 'How the recovery was split: sole victim, traced deposit or pro rata (按比例)',
  })
  method!: AllocationMethod;
  @ApiProperty({ description: 'Amount allocated to the victim (返还分配), in fen' })
  amountFen!: number;
  @ApiProperty({
    enum: ['allocated', 'at_ceremony', 'returned'],
    description: 'returned: signed for (签收) at a ceremony',
  })
  status!: 'allocated' | 'at_ceremony' | 'returned';
  @ApiProperty({ description: 'When the allocation was confirmed (ISO 8601)' })
  confirmedAt!: string;
  @ApiProperty({ format: 'uuid', description: 'The recovery split' }) recoveryId!: string;
  @ApiProperty({
    example: '2026-12-01',
    description: 'The day the money was recovered (追回), China time',
  })
  recoveredOn!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The stop-payment or freeze order the money came from',
  })
  orderId!: string;
  @ApiProperty({
    enum: ['stop_payment', 'freeze'],
    description: 'stop_payment (紧急止付) or freeze (冻结)',
  })
  orderKind!: string;
  @ApiProperty({ format: 'uuid', description: 'The bank that held the money' }) bankUnitId!: string;
  @ApiProperty({ description: 'Name of the bank that held the money' }) bankName!: string;
  @ApiProperty({ format: 'uuid', description: 'The unit that ran the order and the recovery' })
  unitId!: string;
  @ApiProperty({ description: 'Name of the unit that ran the order and the recovery' })
  unitName!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The returned-money ceremony (发还仪式) it is listed at, if any',
  })
  ceremonyId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Title of that ceremony' })
  ceremonyTitle!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Day of that ceremony, China time' })
  ceremonyHeldOn!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the victim signed for the money (签收); null until then',
  })
  signedAt!: string | null;
}

@ApiSchema({ description: 'One victim of the case and the money allocated and returned to them' })
export class CaseMoneyVictimDto {
  @ApiProperty({ format: 'uuid', description: 'The victim (受害人) of the case' })
  victimId!: string;
  @ApiProperty({ example: '张*', description: "The victim's name, masked" }) victimName!: string;
  @ApiProperty({ description: 'The victim’s traced loss (Σ transfers), in fen' }) lossFen!: number;
  @ApiProperty({ description: 'Allocated to this victim, in fen' }) allocatedFen!: number;
  @ApiProperty({ description: 'Signed for at ceremonies, in fen' }) returnedFen!: number;
  @ApiProperty({
    type: [CaseMoneyAllocationDto],
    description: 'Each allocation to this victim, whichever unit ran the order',
  })
  allocations!: CaseMoneyAllocationDto[];
}

@ApiSchema({ description: 'What was frozen, recovered, allocated and returned for a case, in fen' })
export class CaseMoneyTotalsDto {
  @ApiProperty({
    description:
      'Stopped or frozen on the orders listed (a converted stop-payment counts once); the money may be shared with victims of other cases',
  })
  frozenFen!: number;
  @ApiProperty({ description: 'Recovered (追回) from the orders listed' }) recoveredFen!: number;
  @ApiProperty({ description: 'Allocated (返还分配) to this case’s victims' })
  allocatedFen!: number;
  @ApiProperty({ description: 'Signed for (发还) by this case’s victims' }) returnedFen!: number;
  @ApiProperty({ description: "How many of the case's victims have signed for money" })
  victimsReturned!: number;
}

/** What was frozen, recovered, allocated and returned for one case, whichever unit ran the orders. */
@ApiSchema({
  description:
    'The money of one case: orders, totals and each victim’s allocations, whichever unit ran the orders',
})
export class CaseMoneyDto {
  @ApiProperty({ format: 'uuid', description: 'The case' }) caseId!: string;
  @ApiProperty({ description: 'The case number (案件编号)' }) caseNo!: string;
  @ApiProperty({ type: CaseMoneyTotalsDto, description: 'Totals for the case' })
  totals!: CaseMoneyTotalsDto;
  @ApiProperty({
    type: [CaseMoneyOrderDto],
    description:
      'Orders of the case, and any unit’s orders on the accounts its victims paid into or from which they were allocated money',
  })
  orders!: CaseMoneyOrderDto[];
  @ApiProperty({
    type: [CaseMoneyVictimDto],
    description: 'Per victim of the case: loss, allocated and returned',
  })
  victims!: CaseMoneyVictimDto[];
}
