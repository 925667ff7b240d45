import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { JsonBody } from '../../common/http/json-body.js';
import {
  ListTransferFlagsQuery,
  ListTransferHitsQuery,
  MAX_FLAG_BATCH_BYTES,
  MAX_FLAGS_PER_BATCH,
  TransferFlagBatchInput,
  TransferFlagIngestResult,
  TransferFlagInput,
  TransferFlagPage,
  TransferHitPage,
} from './dto/transfer-flags.dto.js';
import { TransferFlagsService } from './transfer-flags.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Suspicious-transfer flags (可疑交易) from banks, and their hits on cases (命中). */
@ApiTags('transfer-flags')
@Controller('transfer-flags')
export class TransferFlagsController {
  constructor(private readonly flags: TransferFlagsService) {}

  /**
   * One flag or a batch from a bank liaison or a bank's system (X-Api-Key); the bank is the
   * caller's. Every flag is checked on its own and answered in request order.
   */
  @Post()
  @HttpCode(200)
  @Allow(Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @JsonBody({ maxBytes: MAX_FLAG_BATCH_BYTES, maxArrayLength: MAX_FLAGS_PER_BATCH })
  @ApiExtraModels(TransferFlagInput, TransferFlagBatchInput)
  @ApiBody({
    description: `One flag, or { flags: [...] } with up to ${MAX_FLAGS_PER_BATCH}. Re-sending an externalRef changes nothing.`,
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TransferFlagInput) },
        { $ref: getSchemaPath(TransferFlagBatchInput) },
      ],
    },
  })
  @ApiOkResponse({
    type: TransferFlagIngestResult,
    description: 'Per-flag answers (created, duplicate, invalid with problems) and totals',
  })
  @ApiBadRequestResponse({
    type: ErrorBody,
    description: `A single flag that is invalid, or a batch that is not 1 to ${MAX_FLAGS_PER_BATCH} flags`,
  })
  @ApiOperation({ summary: 'Report suspicious transfers (可疑交易预警) from a bank' })
  @ApiErrors(413)
  ingest(@CurrentActor() actor: Actor, @Body() body: unknown): Promise<TransferFlagIngestResult> {
    return this.flags.ingest(actor, body);
  }

  /** A bank sees its own flags; officers and supervisors those that hit a case in scope; admins all. */
  @Get()
  @Allow(Role.Admin, Role.Supervisor, Role.Officer, Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @ApiOkResponse({ description: 'One page of transfer flags', type: TransferFlagPage })
  @ApiOperation({
    summary: 'List transfer flags',
    description:
      'A bank sees its own flags; officers and supervisors those that hit a case in scope; admins all.',
  })
  @ApiErrors(400)
  list(
    @CurrentActor() actor: Actor,
    @Query() q: ListTransferFlagsQuery,
  ): Promise<TransferFlagPage> {
    return this.flags.list(actor, q);
  }

  /** Hits on cases of the caller's unit subtree, newest first. */
  @Get('hits')
  @Allow(Role.Admin, Role.Supervisor, Role.Officer)
  @ApiOkResponse({ description: 'One page of hits', type: TransferHitPage })
  @ApiOperation({
    summary: 'Transfer flags that hit a case’s identifiers',
    description: "Hits on cases of the caller's unit subtree, newest first.",
  })
  @ApiErrors(400)
  hits(@CurrentActor() actor: Actor, @Query() q: ListTransferHitsQuery): Promise<TransferHitPage> {
    return this.flags.hits(actor, q);
  }
}
