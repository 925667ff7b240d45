import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IsCalendarDate, PLANNED_DAY } from '../../common/validation/date-time.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { AllocationDto } from './recovery.dto.js';

export class CreateCeremonyDto {
  @ApiProperty({ example: '网络安全宣传周追回资金集中发还仪式' })
  @IsString()
  @Length(1, 200)
  title!: string;
  @ApiProperty({ example: '2026-09-15' })
  @IsCalendarDate(PLANNED_DAY)
  heldOn!: string;
  @ApiProperty({ example: '云岩分局三楼会议室' }) @IsString() @Length(1, 200) venue!: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Host unit; the caller’s unit when left out',
  })
  @IsOptional()
  @IsUUID()
  hostUnitId?: string;
}

export class AttachAllocationsDto {
  @ApiProperty({ type: [String], description: 'Confirmed allocations to return at this ceremony' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  allocationIds!: string[];
}

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
  @ApiPropertyOptional({ enum: ['html', 'csv'], default: 'html' })
  @IsOptional()
  @IsIn(['html', 'csv'])
  format?: 'html' | 'csv';
}

export class FraudTypeTotalDto {
  @ApiProperty() fraudType!: string;
  @ApiProperty() label!: string;
  @ApiProperty() amountFen!: number;
  @ApiProperty() victims!: number;
  @ApiProperty() cases!: number;
}

export class CeremonyTotalsDto {
  @ApiProperty({ description: 'Σ allocations attached, in fen' }) amountFen!: number;
  @ApiProperty({ description: 'Σ signed for, in fen' }) signedFen!: number;
  @ApiProperty() victims!: number;
  @ApiProperty() signedVictims!: number;
  @ApiProperty() cases!: number;
  @ApiProperty({ type: [FraudTypeTotalDto] }) byFraudType!: FraudTypeTotalDto[];
}

export class CeremonyDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() heldOn!: string;
  @ApiProperty() venue!: string;
  @ApiProperty() hostUnitId!: string;
  @ApiProperty() hostUnitName!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: CeremonyTotalsDto }) totals?: CeremonyTotalsDto;
  @ApiPropertyOptional({ type: [AllocationDto] }) allocations?: AllocationDto[];
}

export class CeremonyPage extends PageMeta {
  @ApiProperty({ type: [CeremonyDto] }) items!: CeremonyDto[];
}

export class ListCeremoniesQuery extends PageQuery {}
