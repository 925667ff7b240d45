import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { MonthlyReportController } from './monthly-report/monthly-report.controller.js';
import { MonthlyReportRepository } from './monthly-report/monthly-report.repository.js';
import { MonthlyReportService } from './monthly-report/monthly-report.service.js';
import { PdfPrinter } from './monthly-report/pdf-printer.service.js';
import { StatsController } from './stats/stats.controller.js';
import { StatsRepository } from './stats/stats.repository.js';
import { StatsService } from './stats/stats.service.js';

/**
 * Reports (统计报表): the statistics API on rollups; the dashboard page (/dashboard) that charts it
 * and the monthly report up the chain, both built on StatsService.
 */
@Module({
  controllers: [StatsController, DashboardController, MonthlyReportController],
  providers: [
    StatsService,
    StatsRepository,
    MonthlyReportService,
    MonthlyReportRepository,
    PdfPrinter,
  ],
  exports: [StatsService],
})
export class ReportsModule {}
