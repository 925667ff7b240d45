import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import { CeremoniesService } from './ceremonies.service.js';
import { SHEET_CSP } from './ceremony-sheet.js';
import {
  AttachAllocationsDto,
  CeremonyDto,
  CeremonyPage,
  CreateCeremonyDto,
  ListCeremoniesQuery,
  SheetQuery,
  SignAllocationDto,
} from './dto/ceremony.dto.js';
import { ApiErrors } from '../../common/http/api-errors.js';

const READERS = [Role.Admin, Role.Supervisor, Role.Officer] as const;
const WRITERS = [Role.Supervisor, Role.Officer] as const;

/** 发还仪式. */
@ApiTags('ceremonies')
@Controller('ceremonies')
export class CeremoniesController {
  constructor(private readonly ceremonies: CeremoniesService) {}

  @Get()
  @Allow(...READERS)
  @ApiOkResponse({ description: 'One page of ceremonies', type: CeremonyPage })
  @ApiOperation({ summary: 'List return ceremonies (返还仪式)' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListCeremoniesQuery): Promise<CeremonyPage> {
    return this.ceremonies.list(actor, q);
  }

  @Post()
  @Allow(...WRITERS)
  @ApiCreatedResponse({
    description: 'A return ceremony (返还仪式) at which recovered money is handed back',
    type: CeremonyDto,
  })
  @ApiOperation({ summary: 'Plan a return ceremony' })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCeremonyDto): Promise<CeremonyDto> {
    return this.ceremonies.create(actor, dto);
  }

  /** With its allocations (victims masked) and totals: amount, victims, cases, by fraud type. */
  @Get(':id')
  @Allow(...READERS)
  @ApiOkResponse({
    description: 'A return ceremony (返还仪式) at which recovered money is handed back',
    type: CeremonyDto,
  })
  @ApiOperation({
    summary: 'One return ceremony with its allocations and totals',
    description:
      'With its allocations (victims masked) and totals: amount, victims, cases, by fraud type.',
  })
  @ApiErrors(400, 404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<CeremonyDto> {
    return this.ceremonies.get(actor, id);
  }

  /** 发还签收表 to print: HTML (default) or CSV. */
  @Get(':id/sheet')
  @Allow(...READERS)
  @ApiProduces('text/html', 'text/csv')
  @ApiOkResponse({
    description: 'The sheet: victims masked, amounts in yuan and fen, a signature column',
  })
  @ApiOperation({
    summary: 'The sign-off sheet to print (发还签收表), HTML or CSV',
    description: '发还签收表 to print: HTML (default) or CSV.',
  })
  @ApiErrors(400, 404)
  async sheet(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Query() q: SheetQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const s = await this.ceremonies.sheet(actor, id, q.format ?? 'html');
    void reply
      .header('content-type', s.type)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff');
    if (q.format !== 'csv') void reply.header('content-security-policy', SHEET_CSP);
    if (q.format === 'csv')
      void reply.header('content-disposition', `attachment; filename="${s.filename}"`);
    return s.body;
  }

  /** Attaches confirmed allocations; one already returned at a ceremony is a 409. */
  @Post(':id/allocations')
  @HttpCode(200)
  @Allow(...WRITERS)
  @ApiOkResponse({
    description: 'A return ceremony (返还仪式) at which recovered money is handed back',
    type: CeremonyDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'An allocation is already at a ceremony' })
  @ApiOperation({
    summary: 'Attach confirmed allocations to a ceremony',
    description: 'Attaches confirmed allocations; one already returned at a ceremony is a 409.',
  })
  @ApiErrors(400, 404, 413)
  attach(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: AttachAllocationsDto,
  ): Promise<CeremonyDto> {
    return this.ceremonies.attach(actor, id, dto);
  }

  /** 签收: the signer's ID number must be the victim's. */
  @Post(':id/allocations/:allocationId/sign')
  @HttpCode(200)
  @Allow(...WRITERS)
  @ApiOkResponse({
    description: 'A return ceremony (返还仪式) at which recovered money is handed back',
    type: CeremonyDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'Already signed for' })
  @ApiOperation({
    summary: 'Record a victim’s signature for returned money (签收)',
    description: "签收: the signer's ID number must be the victim's.",
  })
  @ApiErrors(400, 404, 413)
  sign(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @IdParam('allocationId') allocationId: string,
    @Body() dto: SignAllocationDto,
  ): Promise<CeremonyDto> {
    return this.ceremonies.sign(actor, id, allocationId, dto);
  }
}
