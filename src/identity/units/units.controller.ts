import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { IdParam } from '../../common/http/id-param.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { ANY_ROLE, Role } from '../../common/auth/roles.js';
import { CreateUnitDto, ListUnitsQuery, UnitDto, UnitPage } from './dto/unit.dto.js';
import { UnitsService } from './units.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

@ApiTags('units')
@Controller('units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  /** Units in the caller's scope (admins: all; liaisons: their bank). */
  @Get()
  @Allow(...ANY_ROLE)
  @ApiOkResponse({ description: 'One page of units', type: UnitPage })
  @ApiOperation({
    summary: 'List units (单位: police units and banks) in scope',
    description: "Units in the caller's scope (admins: all; liaisons: their bank).",
  })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() query: ListUnitsQuery): Promise<UnitPage> {
    return this.units.list(actor, query);
  }

  @Get(':id')
  @Allow(...ANY_ROLE)
  @ApiOkResponse({
    description:
      'A unit (单位): a police unit in the hierarchy (市局 → 分局 → 大队/派出所 → 社区) or a bank (branch)',
    type: UnitDto,
  })
  @ApiOperation({ summary: 'One unit' })
  @ApiErrors(400, 404)
  async get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<UnitDto> {
    return UnitDto.from(await this.units.get(actor, id));
  }

  @Post()
  @Allow(Role.Admin)
  @ApiCreatedResponse({
    description:
      'A unit (单位): a police unit in the hierarchy (市局 → 分局 → 大队/派出所 → 社区) or a bank (branch)',
    type: UnitDto,
  })
  @ApiOperation({ summary: 'Create a unit (police unit or bank)' })
  @ApiErrors(400, 413, { status: 409, description: 'The unit code is taken' })
  async create(@Body() dto: CreateUnitDto): Promise<UnitDto> {
    return UnitDto.from(await this.units.create(dto));
  }
}
