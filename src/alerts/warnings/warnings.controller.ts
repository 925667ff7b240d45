import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import { JsonBody } from '../../common/http/json-body.js';
import {
  CreateWarningDto,
  ListWarningsQuery,
  PublishWarningDto,
  WarningDto,
  WarningPage,
  WithdrawWarningDto,
} from './dto/warning.dto.js';
import { WarningDeliveriesDto } from '../deliveries/dto/delivery.dto.js';
import { WarningsService } from './warnings.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

const AUTHORS = [Role.CommunityPolice, Role.Officer, Role.Supervisor] as const;

/** 预警: scam-pattern warnings for the community WeChat groups of the caller's area. */
@ApiTags('warnings')
@Controller('warnings')
export class WarningsController {
  constructor(private readonly warnings: WarningsService) {}

  @Get()
  @Allow(Role.Admin, ...AUTHORS)
  @ApiOkResponse({ description: 'One page of warnings', type: WarningPage })
  @ApiOperation({ summary: 'List scam warnings (预警)' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListWarningsQuery): Promise<WarningPage> {
    return this.warnings.list(actor, q);
  }

  /** A draft; a supervisor other than the author approves it before it can be published. */
  @Post()
  @Allow(...AUTHORS)
  // A body of 20,000 characters, up to 6 bytes each when a client escapes them as \uXXXX.
  @JsonBody({ maxBytes: 256 * 1024 })
  @ApiCreatedResponse({
    description: 'A scam warning (预警) for community WeChat groups',
    type: WarningDto,
  })
  @ApiOperation({
    summary: 'Draft a scam warning',
    description:
      'A draft; a supervisor other than the author approves it before it can be published.',
  })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateWarningDto): Promise<WarningDto> {
    return this.warnings.create(actor, dto);
  }

  @Get(':id')
  @Allow(Role.Admin, ...AUTHORS)
  @ApiOkResponse({
    description: 'A scam warning (预警) for community WeChat groups',
    type: WarningDto,
  })
  @ApiOperation({ summary: 'One warning' })
  @ApiErrors(400, 404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<WarningDto> {
    return this.warnings.get(actor, id);
  }

  /** Four-eyes: a supervisor who did not write it. */
  @Post(':id/approve')
  @HttpCode(200)
  @Allow(Role.Supervisor)
  @ApiOkResponse({
    description: 'A scam warning (预警) for community WeChat groups',
    type: WarningDto,
  })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Not a draft, or the approver is the author',
  })
  @ApiOperation({
    summary: 'Approve a warning (four-eyes: a supervisor other than its author)',
    description: 'Four-eyes: a supervisor who did not write it.',
  })
  @ApiErrors(400, 404)
  approve(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<WarningDto> {
    return this.warnings.approve(actor, id);
  }

  /** Now, or at `publishAt` (the draft's, or the one given here). */
  @Post(':id/publish')
  @HttpCode(200)
  @Allow(...AUTHORS)
  @ApiOkResponse({
    description: 'A scam warning (预警) for community WeChat groups',
    type: WarningDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'Not approved, or already published' })
  @ApiOperation({
    summary: 'Publish an approved warning now or at a set time',
    description: "Now, or at `publishAt` (the draft's, or the one given here).",
  })
  @ApiErrors(400, 404, 413)
  publish(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: PublishWarningDto,
  ): Promise<WarningDto> {
    return this.warnings.publish(actor, id, dto);
  }

  /** Stops undelivered messages; groups that already got it receive a short withdrawal notice. */
  @Post(':id/withdraw')
  @HttpCode(200)
  @Allow(...AUTHORS)
  @ApiOkResponse({
    description: 'A scam warning (预警) for community WeChat groups',
    type: WarningDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'A draft, or already withdrawn' })
  @ApiOperation({
    summary: 'Withdraw a published warning (撤回)',
    description:
      'Stops undelivered messages; groups that already got it receive a short withdrawal notice.',
  })
  @ApiErrors(400, 404, 413)
  withdraw(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: WithdrawWarningDto,
  ): Promise<WarningDto> {
    return this.warnings.withdraw(actor, id, dto);
  }

  /** Per coordinator: status, attempts, last error, sent and acknowledged times; counts by status. */
  @Get(':id/deliveries')
  @Allow(Role.Admin, ...AUTHORS)
  @ApiOkResponse({
    description: 'A warning’s deliveries per coordinator, with counts by status',
    type: WarningDeliveriesDto,
  })
  @ApiOperation({
    summary: 'Where a warning was delivered, per coordinator',
    description:
      'Per coordinator: status, attempts, last error, sent and acknowledged times; counts by status.',
  })
  @ApiErrors(400, 404)
  deliveries(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<WarningDeliveriesDto> {
    return this.warnings.deliveries(actor, id);
  }

  /** The warning as an OASIS CAP 1.2 alert. */
  @Get(':id/cap')
  @Allow(Role.Admin, ...AUTHORS)
  @ApiProduces('application/cap+xml')
  @ApiOkResponse({ description: 'CAP 1.2 XML', schema: { type: 'string' } })
  @ApiOperation({
    summary: 'A warning as an OASIS CAP 1.2 alert',
    description: 'The warning as an OASIS CAP 1.2 alert.',
  })
  @ApiErrors(400, 404)
  async cap(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    const xml = await this.warnings.cap(actor, id);
    void res.header('content-type', 'application/cap+xml; charset=utf-8');
    return xml;
  }
}
