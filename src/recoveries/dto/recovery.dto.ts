import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { IsCalendarDate, PAST_DAY } from '../../common/validation/date-time.js';
import { IsFen } from '../../common/money.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import type { AllocationMethod } from '../allocator.js';

const booleanQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const METHODS = ['single_victim', 'traced_transfer', 'pro_rata'];

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
  @ApiProperty({ example: '《公安机关办理刑事案件程序规定》第二百三十八条' })
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
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() orderId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() caseId?: string;
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

export class AllocationPartDto {
  @ApiProperty() victimId!: string;
  @ApiProperty({ example: '张*' }) victimName!: string;
  @ApiProperty() caseId!: string;
  @ApiProperty({ description: 'What the victim’s traced transfers put into the account, in fen' })
  tracedFen!: number;
  @ApiProperty({ description: 'The victim’s loss not yet returned, in fen' }) capFen!: number;
  @ApiProperty() amountFen!: number;
}

export class AllocationProposalDto {
  @ApiProperty() recoveryId!: string;
  @ApiProperty({ nullable: true, type: String }) proposalId!: string | null;
  @ApiProperty({ enum: METHODS }) method!: AllocationMethod;
  @ApiProperty({ enum: ['proposed', 'confirmed'] }) status!: 'proposed' | 'confirmed';
  @ApiProperty() totalFen!: number;
  @ApiProperty({ description: 'What of the recovery is not yet allocated, before this split' })
  availableFen!: number;
  @ApiProperty({ type: [AllocationPartDto] }) parts!: AllocationPartDto[];
  @ApiProperty({ description: 'Whether a public notice (公示) must pass before confirming' })
  noticeRequired!: boolean;
  @ApiProperty({ nullable: true, type: String }) proposedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'End of the public notice (公示期)' })
  noticeEndsAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) confirmedAt!: string | null;
  @ApiPropertyOptional({
    type: () => [AllocationDto],
    description: 'The stored allocations, once confirmed',
  })
  allocations?: AllocationDto[];
}

export class AllocationDto {
  @ApiProperty() id!: string;
  @ApiProperty() recoveryId!: string;
  @ApiProperty() victimId!: string;
  @ApiProperty({ example: '张*' }) victimName!: string;
  @ApiProperty() caseId!: string;
  @ApiProperty() caseNo!: string;
  @ApiProperty({ enum: METHODS }) method!: AllocationMethod;
  @ApiProperty() amountFen!: number;
  @ApiProperty() confirmedAt!: string;
  @ApiProperty({ nullable: true, type: String }) ceremonyId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the victim signed for it (签收)',
  })
  signedAt!: string | null;
}

export class RecoveryDto {
  @ApiProperty() id!: string;
  @ApiProperty() orderId!: string;
  @ApiProperty() caseId!: string;
  @ApiProperty() caseNo!: string;
  @ApiProperty() unitId!: string;
  @ApiProperty() amountFen!: number;
  @ApiProperty() allocatedFen!: number;
  @ApiProperty() recoveredOn!: string;
  @ApiProperty() legalBasis!: string;
  @ApiProperty({ nullable: true, type: String }) custodyAccount!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: [AllocationDto] }) allocations?: AllocationDto[];
  @ApiPropertyOptional({ type: AllocationProposalDto, nullable: true })
  openProposal?: AllocationProposalDto | null;
}

export class RecoveryPage extends PageMeta {
  @ApiProperty({ type: [RecoveryDto] }) items!: RecoveryDto[];
}

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
