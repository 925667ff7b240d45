import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import { JsonBody } from '../../common/http/json-body.js';
import { CasePartiesService } from './case-parties.service.js';
import { CasesService } from './cases.service.js';
import {
  AddVictimTransferDto,
  CaseDto,
  CaseIdentifierDto,
  CasePage,
  CaseSummaryDto,
  CreateCaseDto,
  IdentifierInput,
  ListCasesQuery,
  NoteDto,
  RevealQuery,
  SearchCasesDto,
  TimelineEntryDto,
  TransferDto,
  TransitionDto,
  UpdateCaseDto,
  VictimDto,
  VictimInput,
} from './dto/case.dto.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Cases of the caller's unit subtree. Bank liaisons and community police have no access to cases. */
const CASE_ROLES = [Role.Admin, Role.Supervisor, Role.Officer] as const;
/** Who may write: the police who work cases. */
const CASE_WRITERS = [Role.Supervisor, Role.Officer] as const;

@ApiTags('cases')
@Controller('cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly parties: CasePartiesService,
  ) {}

  @Get()
  @Allow(...CASE_ROLES)
  @ApiOkResponse({ description: 'One page of cases', type: CasePage })
  @ApiOperation({ summary: 'List and filter cases (案件) in the caller’s unit subtree' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListCasesQuery): Promise<CasePage> {
    return this.cases.list(actor, q);
  }

  /** Police look a case up by number, victim ID number or phone; PII in the body, never the URL. */
  @Post('search')
  @HttpCode(200)
  @Allow(...CASE_ROLES)
  @JsonBody({ maxBytes: 4 * 1024 })
  @ApiOperation({
    summary: 'Search cases by case number, victim ID number or phone (查询案件)',
    description:
      'Every criterion given must match; at least one is required. Case number: whole or its beginning, any case and spacing. ' +
      'ID number and phone: whole, any usual formatting (checked, then matched by blind index). Answers masked case summaries of ' +
      'the caller’s unit subtree, newest report first. A search by ID number or phone is audited (`case.search_pii`: the kinds ' +
      'of criteria and the cases found, never the values).',
  })
  @ApiOkResponse({
    type: CasePage,
    description: 'The matching cases of the caller’s scope, a page',
  })
  @ApiErrors(400, 413)
  search(@CurrentActor() actor: Actor, @Body() dto: SearchCasesDto): Promise<CasePage> {
    return this.cases.search(actor, dto);
  }

  /** 接报立案: a case with its victims, identifiers and transfers in one request. */
  @Post()
  @Allow(...CASE_WRITERS)
  // Up to 100 victims, 500 identifiers and 1,000 transfers (≈ 130 bytes each) in one request.
  @JsonBody({ maxBytes: 1024 * 1024 })
  @ApiCreatedResponse({
    description: 'A case (案件) with its victims, identifiers and transfers',
    type: CaseDto,
  })
  @ApiOperation({
    summary: 'Register a case (接报立案) with its victims, identifiers and transfers',
    description: '接报立案: a case with its victims, identifiers and transfers in one request.',
  })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCaseDto): Promise<CaseDto> {
    return this.cases.create(actor, dto);
  }

  /** Victim PII is masked unless `?reveal=pii` (supervisors and officers; each reveal is audited). */
  @Get(':id')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description: 'A case (案件) with its victims, identifiers and transfers',
    type: CaseDto,
  })
  @ApiOperation({
    summary: 'One case with victims, identifiers and transfers',
    description:
      'Victim PII is masked unless `?reveal=pii` (supervisors and officers; each reveal is audited).',
  })
  @ApiErrors(400, 404)
  async get(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Query() q: RevealQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The CaseDto already as JSON (serialized once per cached view; see CasesService.getJson).
    const json = await this.cases.getJson(actor, id, q.reveal === 'pii');
    void reply.type('application/json; charset=utf-8');
    return json;
  }

  @Patch(':id')
  @Allow(...CASE_WRITERS)
  @ApiOkResponse({
    description: 'A case (案件) with its victims, identifiers and transfers',
    type: CaseDto,
  })
  @ApiOperation({ summary: 'Update a case’s details' })
  @ApiErrors(400, 404, 413)
  update(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: UpdateCaseDto,
  ): Promise<CaseDto> {
    return this.cases.update(actor, id, dto);
  }

  /** 报案 → 立案 → 侦查中 → 破案 → 结案 (or 不予立案, 中止); any other step is a 409. */
  @Post(':id/transitions')
  @HttpCode(200)
  @Allow(...CASE_WRITERS)
  @ApiOkResponse({
    description: 'A case (案件) without its victims, identifiers and transfers',
    type: CaseSummaryDto,
  })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Not a transition the workflow allows from the current status',
  })
  @ApiOperation({
    summary: 'Move a case along its workflow (立案, 侦查中, 破案, 结案, …)',
    description: '报案 → 立案 → 侦查中 → 破案 → 结案 (or 不予立案, 中止); any other step is a 409.',
  })
  @ApiErrors(400, 404, 413)
  transition(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: TransitionDto,
  ): Promise<CaseSummaryDto> {
    return this.cases.transition(actor, id, dto);
  }

  @Get(':id/timeline')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description:
      'A list, each: one entry of a case’s timeline: a status change, a note or an evidence upload',
    type: [TimelineEntryDto],
  })
  @ApiOperation({ summary: 'The case’s timeline: status changes, notes and events' })
  @ApiErrors(400, 404)
  timeline(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<TimelineEntryDto[]> {
    return this.cases.timeline(actor, id);
  }

  @Get(':id/notes')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description:
      'A list, each: one entry of a case’s timeline: a status change, a note or an evidence upload',
    type: [TimelineEntryDto],
  })
  @ApiOperation({ summary: 'The case’s notes (办案记录)' })
  @ApiErrors(400, 404)
  notes(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<TimelineEntryDto[]> {
    return this.cases.timeline(actor, id, true);
  }

  @Post(':id/notes')
  @Allow(...CASE_WRITERS)
  // 10,000 characters, up to 6 bytes each when a client escapes them as \uXXXX.
  @JsonBody({ maxBytes: 128 * 1024 })
  @ApiCreatedResponse({
    description: 'One entry of a case’s timeline: a status change, a note or an evidence upload',
    type: TimelineEntryDto,
  })
  @ApiOperation({ summary: 'Add a note to a case' })
  @ApiErrors(400, 404, 413)
  addNote(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: NoteDto,
  ): Promise<TimelineEntryDto> {
    return this.cases.addNote(actor, id, dto.body);
  }

  @Get(':id/victims')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description: 'A list, each: a victim (受害人) of a case; PII is masked unless revealed',
    type: [VictimDto],
  })
  @ApiOperation({ summary: 'The case’s victims (受害人)' })
  @ApiErrors(400, 404)
  victims(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Query() q: RevealQuery,
  ): Promise<VictimDto[]> {
    return this.parties.victims(actor, id, q.reveal === 'pii');
  }

  @Post(':id/victims')
  @Allow(...CASE_WRITERS)
  @ApiCreatedResponse({
    description: 'A victim (受害人) of a case; PII is masked unless revealed',
    type: VictimDto,
  })
  @ApiOperation({ summary: 'Add a victim to a case' })
  @ApiErrors(400, 404, 413)
  addVictim(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: VictimInput,
  ): Promise<VictimDto> {
    return this.parties.addVictim(actor, id, dto);
  }

  @Get(':id/identifiers')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description: 'A list, each: an identifier (涉案标识) linked to a case, and its role in it',
    type: [CaseIdentifierDto],
  })
  @ApiOperation({ summary: 'The case’s identifiers: accounts, phones, WeChat IDs, … (涉案标识)' })
  @ApiErrors(400, 404)
  identifiers(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<CaseIdentifierDto[]> {
    return this.parties.identifiers(actor, id);
  }

  /** Links an identifier (created if new) to the case; answers the case's identifiers. */
  @Post(':id/identifiers')
  @Allow(...CASE_WRITERS)
  @ApiCreatedResponse({
    description: 'A list, each: an identifier (涉案标识) linked to a case, and its role in it',
    type: [CaseIdentifierDto],
  })
  @ApiOperation({
    summary: 'Link an identifier to a case',
    description:
      "Links an identifier (created if new) to the case; answers the case's identifiers.",
  })
  @ApiErrors(400, 404, 413)
  linkIdentifier(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: IdentifierInput,
  ): Promise<CaseIdentifierDto[]> {
    return this.parties.linkIdentifier(actor, id, dto);
  }

  /** Unlinks an identifier from this case only (to correct a value, unlink and link another). */
  @Delete(':id/identifiers/:identifierId')
  @Allow(...CASE_WRITERS)
  @ApiOkResponse({
    description: 'A list, each: an identifier (涉案标识) linked to a case, and its role in it',
    type: [CaseIdentifierDto],
  })
  @ApiOperation({
    summary: 'Unlink an identifier from a case',
    description:
      'Unlinks an identifier from this case only (to correct a value, unlink and link another).',
  })
  @ApiErrors(400, 404)
  unlinkIdentifier(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @IdParam('identifierId') identifierId: string,
  ): Promise<CaseIdentifierDto[]> {
    return this.parties.unlinkIdentifier(actor, id, identifierId);
  }

  @Get(':id/transfers')
  @Allow(...CASE_ROLES)
  @ApiOkResponse({
    description: 'A list, each: a victim’s transfer (转账) to an identifier of the case',
    type: [TransferDto],
  })
  @ApiOperation({ summary: 'The case’s transfers (转账记录)' })
  @ApiErrors(400, 404)
  transfers(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<TransferDto[]> {
    return this.parties.transfers(actor, id);
  }

  @Post(':id/transfers')
  @Allow(...CASE_WRITERS)
  @ApiCreatedResponse({
    description: 'A list, each: a victim’s transfer (转账) to an identifier of the case',
    type: [TransferDto],
  })
  @ApiOperation({ summary: 'Record a victim’s transfer' })
  @ApiErrors(400, 404, 413)
  addTransfer(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: AddVictimTransferDto,
  ): Promise<TransferDto[]> {
    return this.parties.addTransfer(actor, id, dto);
  }
}
