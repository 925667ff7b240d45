import { Module } from '@nestjs/common';
import { StatsController } from './stats/stats.controller.js';
import { StatsRepository } from './stats/stats.repository.js';
import { StatsService } from './stats/stats.service.js';

/** Reports (统计报表): the statistics API on rollups; the dashboard and the monthly report build on StatsService. */
@Module({
  controllers: [StatsController],
  providers: [StatsService, StatsRepository],
  exports: [StatsService],
})
export class ReportsModule {}
