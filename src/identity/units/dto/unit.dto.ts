import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { Unit, UnitKind } from '../entities/unit.entity.js';

@ApiSchema({ description: 'A new unit under a parent unit' })
export class CreateUnitDto {
  @ApiProperty({
    description: 'Level of the unit (市局, 分局, 大队, 派出所, 社区, bank, bank branch)',
    enum: UnitKind,
    example: UnitKind.Station,
  })
  @IsEnum(UnitKind)
  kind!: UnitKind;

  @ApiProperty({ example: 'GY-YY', description: 'Upper-case code used in case numbers (案件编号)' })
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,31}$/, { message: 'must be 1-32 upper-case letters, digits or -' })
  code!: string;

  @ApiProperty({ description: 'Full name', example: '云岩分局黔灵派出所' })
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
  @ApiPropertyOptional({ description: 'Only units of this level', enum: UnitKind })
  @IsOptional()
  @IsEnum(UnitKind)
  kind?: UnitKind;

  @ApiPropertyOptional({ description: 'Only the children of this unit', format: 'uuid' })
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

@ApiSchema({
  description:
    'A unit (单位): a police unit in the hierarchy (市局 → 分局 → 大队/派出所 → 社区) or a bank (branch)',
})
export class UnitDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    description: 'Parent unit; null for the top (市局)',
    format: 'uuid',
    nullable: true,
    type: String,
  })
  parentId!: string | null;
  @ApiProperty({
    description:
      'Level: city_bureau (市局), sub_bureau (分局), brigade (大队), station (派出所), community (社区), bank, bank_branch (支行)',
    enum: UnitKind,
  })
  kind!: UnitKind;
  @ApiProperty({ description: 'Short code, used in case numbers', example: 'GY-YY' }) code!: string;
  @ApiProperty({ description: 'Full name', example: '云岩分局黔灵派出所' }) name!: string;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;

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

@ApiSchema({ description: 'One page of units' })
export class UnitPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [UnitDto] }) items!: UnitDto[];
}
