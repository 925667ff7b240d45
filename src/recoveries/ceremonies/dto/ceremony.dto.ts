import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
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
import { IsCalendarDate, PLANNED_DAY } from '../../../common/validation/date-time.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { AllocationDto } from '../../recoveries/dto/recovery.dto.js';

@ApiSchema({ description: 'A return ceremony to plan' })
export class CreateCeremonyDto {
  @ApiProperty({ description: 'Title', example: '网络安全宣传周追回资金集中发还仪式' })
  @IsString()
  @Length(1, 200)
  title!: string;
  @ApiProperty({ description: 'Date (YYYY-MM-DD)', example: '2026-09-15' })
  @IsCalendarDate(PLANNED_DAY)
  heldOn!: string;
  @ApiProperty({ description: 'Where', example: '云岩分局三楼会议室' })
  @IsString()
  @Length(1, 200)
  venue!: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Host unit; the caller’s unit when left out',
  })
  @IsOptional()
  @IsUUID()
  hostUnitId?: string;
}

@ApiSchema({ description: 'Confirmed allocations to hand back at a ceremony' })
export class AttachAllocationsDto {
  @ApiProperty({ type: [String], description: 'Confirmed allocations to return at this ceremony' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  allocationIds!: string[];
}

@ApiSchema({ description: 'A victim’s signature (签收) for returned money' })
export class SignAllocationDto {
  @ApiProperty({
    example: '11010519491231002X',
    description: 'The signer’s citizen ID number (居民身份证号), checked against the victim’s',
  })
  @IsString()
  @Length(1, 30)
  idNumber!: string;
}

export class SheetQuery {
  @ApiPropertyOptional({
    description: 'html (default, to print) or csv',
    enum: ['html', 'csv'],
    default: 'html',
  })
  @IsOptional()
  @IsIn(['html', 'csv'])
  format?: 'html' | 'csv';
}

@ApiSchema({ description: 'A ceremony’s total for one fraud type' })
export class FraudTypeTotalDto {
  @ApiProperty({ description: 'Fraud type (诈骗类型) code, see GET /fraud-types' })
  fraudType!: string;
  @ApiProperty({ description: 'Chinese label of the fraud type' }) label!: string;
  @ApiProperty({ description: 'Amount returned, in fen' }) amountFen!: number;
  @ApiProperty({ description: 'Number of distinct victims' }) victims!: number;
  @ApiProperty({ description: 'Number of distinct cases' }) cases!: number;
}

@ApiSchema({ description: 'A ceremony’s totals: amount, victims, cases, by fraud type' })
export class CeremonyTotalsDto {
  @ApiProperty({ description: 'Σ allocations attached, in fen' }) amountFen!: number;
  @ApiProperty({ description: 'Σ signed for, in fen' }) signedFen!: number;
  @ApiProperty({ description: 'Number of distinct victims' }) victims!: number;
  @ApiProperty({ description: 'Victims who have signed' }) signedVictims!: number;
  @ApiProperty({ description: 'Number of distinct cases' }) cases!: number;
  @ApiProperty({ description: 'Totals per fraud type', type: [FraudTypeTotalDto] })
  byFraudType!: FraudTypeTotalDto[];
}

@ApiSchema({ description: 'A return ceremony (返还仪式) at which recovered money is handed back' })
export class CeremonyDto {
  @ApiProperty({ description: 'Identifier (UUID)' }) id!: string;
  @ApiProperty({ description: 'Title' }) title!: string;
  @ApiProperty({ description: 'Date (YYYY-MM-DD)' }) heldOn!: string;
  @ApiProperty({ description: 'Where' }) venue!: string;
  @ApiProperty({ description: 'Host unit' }) hostUnitId!: string;
  @ApiProperty({ description: 'Host unit’s name' }) hostUnitName!: string;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
  @ApiPropertyOptional({ description: 'Totals', type: CeremonyTotalsDto })
  totals?: CeremonyTotalsDto;
  @ApiPropertyOptional({
    description: 'Allocations handed back (victims masked)',
    type: [AllocationDto],
  })
  allocations?: AllocationDto[];
}

@ApiSchema({ description: 'One page of ceremonies' })
export class CeremonyPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [CeremonyDto] })
  items!: CeremonyDto[];
}

export class ListCeremoniesQuery extends PageQuery {}
