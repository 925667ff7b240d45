import { Injectable } from '@nestjs/common';
import type { Actor } from '../../common/auth/actor.js';
import { Clock } from '../../common/clock.js';
import { badRequest } from '../../common/http/errors.js';
import { StatsService } from '../stats/stats.service.js';
import type { ReportFormat } from './dto/monthly-report.dto.js';
import { MonthlyReportRepository } from './monthly-report.repository.js';
import { PdfPrinter } from './pdf-printer.service.js';
import {
  monthlyReportHtml,
  REPORT_TOP_TYPES,
  type MonthlyReportView,
  type ReportFraudTypeLine,
} from './report-html.js';

/** The first and last day (inclusive) of a month, and the first day of the next, as YYYY-MM-DD. */
export function monthDays(month: string): { from: string; to: string; next: string } {
  const [y, m] = month.split('-').map(Number);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    from: `${month}-01`,
    to: day(Date.UTC(y, m, 0)),
    next: day(Date.UTC(y, m, 1)),
  };
}

/** The month before "YYYY-MM". */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

export type RenderedReport =
  { format: 'html'; body: string } | { format: 'pdf'; body: Buffer; filename: string };

/**
 * 月度统计报告: the statistics service's figures for the month (the same call the API makes, so
 * the report and GET /stats/* never disagree), the top fraud types with their typical scripts, and
 * the month's ceremonies, for the caller's unit and subtree.
 */
@Injectable()
export class MonthlyReportService {
  constructor(
    private readonly stats: StatsService,
    private readonly repo: MonthlyReportRepository,
    private readonly pdf: PdfPrinter,
    private readonly clock: Clock,
  ) {}

  async report(actor: Actor, month: string, format: ReportFormat): Promise<RenderedReport> {
    const html = monthlyReportHtml(await this.view(actor, month));
    if (format === 'html') return { format, body: html };
    return { format, body: await this.pdf.pdf(html), filename: `jingwang-report-${month}.pdf` };
  }

  async view(actor: Actor, month: string): Promise<MonthlyReportView> {
    const now = this.clock.now();
    const thisMonth = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
    if (month > thisMonth) throw badRequest('month', `must not be after this month (${thisMonth})`);
    if (month < '2000-01') throw badRequest('month', 'must not be before 2000-01');
    const days = monthDays(month);
    const before = monthDays(previousMonth(month));
    const [figures, previous, byType, ceremonies, unitName] = await Promise.all([
      this.stats.overview(actor, days.from, days.to),
      this.stats.overview(actor, before.from, before.to),
      this.stats.byFraudType(actor, days.from, days.to),
      this.repo.ceremonies(actor, days.from, days.next),
      this.repo.unitName(actor.unitId),
    ]);
    const top = byType.rows
      .filter((r) => (r.cases ?? 0) > 0)
      .sort((a, b) => (b.cases ?? 0) - (a.cases ?? 0) || (b.lossFen ?? 0) - (a.lossFen ?? 0))
      .slice(0, REPORT_TOP_TYPES);
    const scripts = new Map(
      (await this.repo.fraudTypes(top.map((r) => r.fraudType))).map((t) => [t.code, t]),
    );
    const fraudTypes: ReportFraudTypeLine[] = top.map((r) => ({
      code: r.fraudType,
      zh: r.label,
      cases: r.cases ?? 0,
      lossFen: r.lossFen ?? 0,
      typicalScript: scripts.get(r.fraudType)?.typicalScript ?? '',
    }));
    // Officers and supervisors see every kind of figure; a null would only mean nothing to divide.
    const f = (v: number | null) => v ?? 0;
    return {
      month,
      unitName,
      generatedAt: now,
      cases: {
        total: f(figures.cases),
        registered: f(figures.cases) - f(figures.casesReported) - f(figures.casesRejected),
        // Closed cases were solved first: 破案 counts both, as the solved rate does.
        solved: f(figures.casesSolved) + f(figures.casesClosed),
        solvedRate: figures.solvedRate,
        lossFen: f(figures.lossFen),
      },
      previous: { total: f(previous.cases), lossFen: f(previous.lossFen) },
      money: {
        stoppedFen: f(figures.stoppedFen),
        frozenFen: f(figures.frozenFen),
        recoveredFen: f(figures.recoveredFen),
        returnedFen: f(figures.returnedFen),
      },
      hits: f(figures.hits),
      fraudTypes,
      warnings: {
        published: f(figures.warningsPublished),
        deliveriesSent: f(figures.deliveriesSent),
        acknowledged: f(figures.deliveriesAcknowledged),
        acknowledgedShare: figures.deliveriesAcknowledgedShare,
      },
      ceremonies,
    };
  }
}
