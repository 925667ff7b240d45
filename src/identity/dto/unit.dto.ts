import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { Unit, UnitKind } from '../entities/unit.entity.js';

export class CreateUnitDto {
  @ApiProperty({ enum: UnitKind, example: UnitKind.Station })
  @IsEnum(UnitKind)
  kind!: UnitKind;

  @ApiProperty({ example: 'GY-YY', description: 'Upper-case code used in case numbers (案件编号)' })
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,31}$/, { message: 'must be 1-32 upper-case letters, digits or -' })
  code!: string;

  @ApiProperty({ example: '云岩分局黔灵派出所' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Parent unit; none for a city bureau or a bank',
  })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

export class ListUnitsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: UnitKind })
  @IsOptional()
  @IsEnum(UnitKind)
  kind?: UnitKind;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  parentId?: string;

  @ApiPropertyOptional({
    example: '工商',
    description: 'Part of the name or code, e.g. to find the bank (branch) to ask for a freeze',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}

export class UnitDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parentId!: string | null;
  @ApiProperty({ enum: UnitKind }) kind!: UnitKind;
  @ApiProperty({ example: 'GY-YY' }) code!: string;
  @ApiProperty({ example: '云岩分局黔灵派出所' }) name!: string;
  @ApiProperty() createdAt!: string;

  static from(u: Unit): UnitDto {
    return {
      id: u.id,
      parentId: u.parentId,
      kind: u.kind,
      code: u.code,
      name: u.name,
      createdAt: u.createdAt.toISOString(),
    };
  }
}

export class UnitPage extends PageMeta {
  @ApiProperty({ type: [UnitDto] }) items!: UnitDto[];
}
