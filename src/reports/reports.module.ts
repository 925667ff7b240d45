import { Module } from '@nestjs/common';
import { DashboardModule } from './dashboard/dashboard.module.js';

/** Reports: statistics and CSV export, the dashboard and the monthly report. */
@Module({ imports: [DashboardModule] })
export class ReportsModule {}
