// The reports feature's published surface.
export { ReportsModule } from './reports.module.js';
export { StatsService, MAX_RANGE_DAYS, periodStarts } from './stats/stats.service.js';
export {
  FIGURES,
  FIGURE_KEYS,
  type Figure,
  type FigureKey,
  type Figures,
} from './stats/figures.js';
export { figuresCsv } from './stats/stats-csv.js';
export * from './stats/dto/stats.dto.js';
