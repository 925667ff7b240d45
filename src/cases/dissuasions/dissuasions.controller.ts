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
import { DissuasionsService } from './dissuasions.service.js';
import {
  AddContactDto,
  DissuasionDto,
  DissuasionOutcomeDto,
  DissuasionPage,
  ListDissuasionsQuery,
} from '../transfer-flags/dto/transfer-flags.dto.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Dissuasion tasks (预警劝阻) of the caller's unit subtree. */
@ApiTags('dissuasions')
@Controller('dissuasions')
export class DissuasionsController {
  constructor(private readonly dissuasions: DissuasionsService) {}

  @Get()
  @Allow(Role.Admin, Role.Supervisor, Role.Officer)
  @ApiOkResponse({ description: 'One page of dissuasion tasks', type: DissuasionPage })
  @ApiOperation({ summary: 'List dissuasion tasks (劝阻任务)' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListDissuasionsQuery): Promise<DissuasionPage> {
    return this.dissuasions.list(actor, q);
  }

  /** Records a contact attempt; the first sets the task's time to first contact. */
  @Post(':id/contacts')
  @Allow(Role.Supervisor, Role.Officer)
  @ApiCreatedResponse({
    description: 'A dissuasion task (劝阻任务): reach the payer before more money leaves',
    type: DissuasionDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'The task is closed' })
  @ApiOperation({
    summary: 'Record a contact attempt on a dissuasion task',
    description: "Records a contact attempt; the first sets the task's time to first contact.",
  })
  @ApiErrors(400, 404, 413)
  addContact(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: AddContactDto,
  ): Promise<DissuasionDto> {
    return this.dissuasions.addContact(actor, id, dto);
  }

  /** Closes the task with its outcome; already_paid (已被骗) drafts a case. */
  @Post(':id/outcome')
  @HttpCode(200)
  @Allow(Role.Supervisor, Role.Officer)
  @ApiOkResponse({
    description: 'A dissuasion task (劝阻任务): reach the payer before more money leaves',
    type: DissuasionDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'The task is already closed' })
  @ApiOperation({
    summary: 'Close a dissuasion task with its outcome',
    description: 'Closes the task with its outcome; already_paid (已被骗) drafts a case.',
  })
  @ApiErrors(400, 404, 413)
  close(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: DissuasionOutcomeDto,
  ): Promise<DissuasionDto> {
    return this.dissuasions.close(actor, id, dto);
  }
}
