import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { MonthlyReportQuery } from './dto/monthly-report.dto.js';
import { MonthlyReportService } from './monthly-report.service.js';
import { REPORT_CSP } from './report-html.js';

/** 月度统计报告: what a brigade sends up the chain each month, to print or as PDF. */
@ApiTags('stats')
@Controller('stats')
export class MonthlyReportController {
  constructor(private readonly reports: MonthlyReportService) {}

  @Get('report')
  @Allow(Role.Supervisor, Role.Officer)
  @ApiOperation({
    summary: 'The monthly report up the chain (月度统计报告), printable HTML or PDF',
    description:
      'Cases, loss, solved, money stopped / frozen / recovered / returned, the top fraud types with ' +
      'their typical scripts, warnings pushed and acknowledged and the month’s ceremonies, for the ' +
      'caller’s unit and its subtree, in Chinese, one or two A4 pages. `?format=pdf` answers the ' +
      'same page printed by Chromium (CHROMIUM_PATH); the default is HTML with print styles.',
  })
  @ApiProduces('text/html', 'application/pdf')
  @ApiOkResponse({ description: 'The report (HTML, or PDF with format=pdf)' })
  @ApiErrors(400, {
    status: 503,
    description: 'format=pdf, and Chromium is not installed on the server (CHROMIUM_PATH)',
  })
  async report(
    @CurrentActor() actor: Actor,
    @Query() q: MonthlyReportQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | Buffer> {
    const report = await this.reports.report(actor, q.month, q.format ?? 'html');
    void reply.header('cache-control', 'private, no-store');
    if (report.format === 'pdf') {
      void reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${report.filename}"`);
      return report.body;
    }
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', REPORT_CSP);
    return report.body;
  }
}
