import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/auth/actor.js';
import { Allow } from '../common/auth/allow.decorator.js';
import { IdParam } from '../common/http/id-param.js';
import { CurrentActor } from '../common/auth/current-actor.decorator.js';
import { ANY_ROLE, Role } from '../common/auth/roles.js';
import { ErrorBody } from '../common/http/errors.js';
import { CreateUnitDto, ListUnitsQuery, UnitDto, UnitPage } from './dto/unit.dto.js';
import { UnitsService } from './units.service.js';

@ApiTags('units')
@Controller('units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  /** Units in the caller's scope (admins: all; liaisons: their bank). */
  @Get()
  @Allow(...ANY_ROLE)
  @ApiOkResponse({ type: UnitPage })
  list(@CurrentActor() actor: Actor, @Query() query: ListUnitsQuery): Promise<UnitPage> {
    return this.units.list(actor, query);
  }

  @Get(':id')
  @Allow(...ANY_ROLE)
  @ApiOkResponse({ type: UnitDto })
  async get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<UnitDto> {
    return UnitDto.from(await this.units.get(actor, id));
  }

  @Post()
  @Allow(Role.Admin)
  @ApiCreatedResponse({ type: UnitDto })
  @ApiBadRequestResponse({ type: ErrorBody })
  async create(@Body() dto: CreateUnitDto): Promise<UnitDto> {
    return UnitDto.from(await this.units.create(dto));
  }
}
