import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/auth/actor';
import { Allow } from '../common/auth/allow.decorator';
import { IdParam } from '../common/http/id-param';
import { CurrentActor } from '../common/auth/current-actor.decorator';
import { ANY_ROLE, Role } from '../common/auth/roles';
import { ErrorBody } from '../common/http/errors';
import { CreateUnitDto, ListUnitsQuery, UnitDto, UnitPage } from './dto/unit.dto';
import { UnitsService } from './units.service';

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
