import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import {
  AllocationProposalDto,
  AllocationQuery,
  CreateRecoveryDto,
  ListRecoveriesQuery,
  RecoveryDto,
  RecoveryPage,
  RecoveryTotalsDto,
} from './dto/recovery.dto.js';
import { RecoveriesService } from './recoveries.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

const READERS = [Role.Admin, Role.Supervisor, Role.Officer] as const;
const WRITERS = [Role.Supervisor, Role.Officer] as const;

/** 追回 and 返还分配. */
@ApiTags('recoveries')
@Controller('recoveries')
export class RecoveriesController {
  constructor(private readonly recoveries: RecoveriesService) {}

  @Get()
  @Allow(...READERS)
  @ApiOkResponse({ description: 'One page of recoveries', type: RecoveryPage })
  @ApiOperation({ summary: 'List recoveries (追回款)' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListRecoveriesQuery): Promise<RecoveryPage> {
    return this.recoveries.list(actor, q);
  }

  /** The unit's figures: requested, frozen, recovered, allocated, returned, and the golden hour. */
  @Get('totals')
  @Allow(Role.Admin, Role.Supervisor, Role.Officer, Role.CommunityPolice)
  @ApiOkResponse({
    description:
      'The unit’s money figures in fen: requested, frozen, recovered, allocated, returned, and the golden hour',
    type: RecoveryTotalsDto,
  })
  @ApiOperation({
    summary: 'The unit’s money figures: requested, frozen, recovered, allocated, returned',
    description:
      "The unit's figures: requested, frozen, recovered, allocated, returned, and the golden hour.",
  })
  totals(@CurrentActor() actor: Actor): Promise<RecoveryTotalsDto> {
    return this.recoveries.totals(actor);
  }

  /** 追回: Σ recoveries of an order never pass its frozen amount (409). */
  @Post()
  @Allow(...WRITERS)
  @ApiCreatedResponse({
    description: 'Money recovered (追回) from a frozen account into custody',
    type: RecoveryDto,
  })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Over the frozen amount, or not a live freeze',
  })
  @ApiOperation({
    summary: 'Record money recovered from a frozen account (追回)',
    description: '追回: Σ recoveries of an order never pass its frozen amount (409).',
  })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateRecoveryDto): Promise<RecoveryDto> {
    return this.recoveries.create(actor, dto);
  }

  @Get(':id')
  @Allow(...READERS)
  @ApiOkResponse({
    description: 'Money recovered (追回) from a frozen account into custody',
    type: RecoveryDto,
  })
  @ApiOperation({ summary: 'One recovery with its allocations' })
  @ApiErrors(400, 404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<RecoveryDto> {
    return this.recoveries.get(actor, id);
  }

  /** 返还分配: proposes the split (stored; a pro-rata one starts its 公示), or stores it with ?confirm=true. */
  @Post(':id/allocations')
  @HttpCode(200)
  @Allow(...WRITERS)
  @ApiOkResponse({
    description: 'A proposed or confirmed split of a recovery among victims',
    type: AllocationProposalDto,
  })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Nothing left to allocate, the public notice has not passed, or the split changed',
  })
  @ApiOperation({
    summary: 'Propose or confirm how a recovery is split among victims (返还分配)',
    description:
      '返还分配: proposes the split (stored; a pro-rata one starts its 公示), or stores it with ?confirm=true.',
  })
  @ApiErrors(400, 404)
  allocate(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Query() q: AllocationQuery,
  ): Promise<AllocationProposalDto> {
    return this.recoveries.allocate(actor, id, q.confirm === true);
  }
}
