import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { IdParam } from '../../common/http/id-param.js';
import { CoordinatorsService } from './coordinators.service.js';
import {
  CoordinatorDto,
  CoordinatorPage,
  CreateCoordinatorDto,
  ListCoordinatorsQuery,
  UpdateCoordinatorDto,
} from './dto/coordinator.dto.js';
import { PendingMessageDto } from '../deliveries/dto/delivery.dto.js';
import { DeliveriesService } from '../deliveries/deliveries.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** 群协调员 of the caller's area and their channels; robot keys and secrets are never returned. */
@ApiTags('coordinators')
@Controller('coordinators')
export class CoordinatorsController {
  constructor(
    private readonly coordinators: CoordinatorsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Get()
  @Allow(Role.Admin, Role.Supervisor, Role.CommunityPolice)
  @ApiOkResponse({ description: 'One page of coordinators', type: CoordinatorPage })
  @ApiOperation({ summary: 'List community coordinators (社区联络员) who receive warnings' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListCoordinatorsQuery): Promise<CoordinatorPage> {
    return this.coordinators.list(actor, q);
  }

  @Post()
  @Allow(Role.Supervisor, Role.CommunityPolice)
  @ApiCreatedResponse({
    description: 'A community coordinator (社区联络员) and the WeChat group they relay warnings to',
    type: CoordinatorDto,
  })
  @ApiOperation({ summary: 'Add a coordinator with their WeChat group channel' })
  @ApiErrors(400, 413, {
    status: 409,
    description: 'The community already has a coordinator for a group of that name',
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCoordinatorDto): Promise<CoordinatorDto> {
    return this.coordinators.create(actor, dto);
  }

  @Get(':id')
  @Allow(Role.Admin, Role.Supervisor, Role.CommunityPolice)
  @ApiOkResponse({
    description: 'A community coordinator (社区联络员) and the WeChat group they relay warnings to',
    type: CoordinatorDto,
  })
  @ApiOperation({ summary: 'One coordinator' })
  @ApiErrors(400, 404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<CoordinatorDto> {
    return this.coordinators.get(actor, id);
  }

  /** Also enables / disables (a disabled coordinator gets nothing) and replaces channel settings. */
  @Patch(':id')
  @Allow(Role.Supervisor, Role.CommunityPolice)
  @ApiOkResponse({
    description: 'A community coordinator (社区联络员) and the WeChat group they relay warnings to',
    type: CoordinatorDto,
  })
  @ApiOperation({
    summary: 'Update, enable or disable a coordinator',
    description:
      'Also enables / disables (a disabled coordinator gets nothing) and replaces channel settings.',
  })
  @ApiErrors(400, 404, 413, {
    status: 409,
    description: 'Another update changed the channel settings meanwhile; read them again',
  })
  update(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: UpdateCoordinatorDto,
  ): Promise<CoordinatorDto> {
    return this.coordinators.update(actor, id, dto);
  }

  /**
   * Manual channel: the messages waiting for this coordinator, to forward by hand. Reading them
   * hands them over (they count as sent).
   */
  @Post(':id/pending-messages')
  @Allow(Role.Supervisor, Role.CommunityPolice)
  @ApiCreatedResponse({
    description:
      'A list, each: a message waiting for a manual-channel coordinator to forward by hand',
    type: [PendingMessageDto],
  })
  @ApiOperation({ summary: 'Hand over the messages waiting for a manual-channel coordinator' })
  @ApiErrors(400, 404)
  pending(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<PendingMessageDto[]> {
    return this.deliveries.takePending(actor, id);
  }
}
