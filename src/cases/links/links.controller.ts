import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
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
  CaseLinksDto,
  IdentifierLookupDto,
  IdentifierLookupQuery,
  LinksQuery,
} from './dto/links.dto.js';
import { LinksService } from './links.service.js';

/** The police who read cases (as GET /cases/:id); bank liaisons and community police have no access. */
const LINK_READERS = [Role.Admin, Role.Supervisor, Role.Officer] as const;

@ApiTags('cases')
@Controller('cases')
export class LinksController {
  constructor(private readonly links: LinksService) {}

  /** 串并案: cases linked to this one through shared identifiers, with the chain that links each. */
  @Get(':id/links')
  @Allow(...LINK_READERS)
  @ApiOkResponse({
    description: 'The cases linked to a case (串并案) through shared identifiers',
    type: CaseLinksDto,
  })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'depth outside 1..3' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'No such case in the caller’s scope' })
  @ApiOperation({
    summary: 'Linked cases (串并案) through shared identifiers',
    description:
      '串并案: cases linked to this one through shared identifiers, with the chain that links each.',
  })
  get(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Query() q: LinksQuery,
  ): Promise<CaseLinksDto> {
    return this.links.links(actor, id, q.depth);
  }
}

@ApiTags('cases')
@Controller('identifiers')
export class IdentifierLookupController {
  constructor(private readonly links: LinksService) {}

  /** Which cases an account, phone, … is seen in (scoped), and the loss traced into it (all cases). */
  @Get('lookup')
  @Allow(...LINK_READERS)
  @ApiOkResponse({
    description: 'Where an identifier appears, and the loss traced into it',
    type: IdentifierLookupDto,
  })
  @ApiBadRequestResponse({
    type: ErrorBody,
    description: 'Unknown kind, or a value not valid for it',
  })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'No case has named this identifier' })
  @ApiOperation({
    summary: 'Look up an identifier: the cases it appears in and the loss traced into it',
    description:
      'Which cases an account, phone, … is seen in (scoped), and the loss traced into it (all cases).',
  })
  lookup(
    @CurrentActor() actor: Actor,
    @Query() q: IdentifierLookupQuery,
  ): Promise<IdentifierLookupDto> {
    return this.links.lookup(actor, q.kind, q.value);
  }
}
