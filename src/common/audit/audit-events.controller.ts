import { Controller, Get, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../auth/actor.js';
import { Allow } from '../auth/allow.decorator.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { Role } from '../auth/roles.js';
import { AuditEventPage, ListAuditEventsQuery } from './audit-events.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@Controller('audit-events')
export class AuditEventsController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Allow(Role.Admin, Role.Supervisor)
  @ApiOperation({
    summary: 'Read the audit trail (审计日志): who did what, to which record, when, from where',
    description:
      'Admins read every event; supervisors the events of users of their unit subtree (by the unit the user had when acting). ' +
      'Newest first. Reveals of victim PII are `victim.pii_read` on the case (details name the victims); searches by ID number ' +
      'or phone are `case.search_pii`. `?format=csv` downloads the same events (UTF-8 with BOM, Chinese headers, formulas defused).',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: AuditEventPage,
    description: 'A page of events (JSON), or all of them as CSV with ?format=csv',
  })
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListAuditEventsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditEventPage | StreamableFile> {
    if (q.format !== 'csv') return this.audit.list(actor, q);
    const stream = await this.audit.csv(actor, q);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="audit-events.csv"')
      .header('cache-control', 'private, no-store');
    return new StreamableFile(stream);
  }
}
