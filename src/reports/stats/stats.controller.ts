import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { ANY_ROLE } from '../../common/auth/roles.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import {
  ByUnitQuery,
  StatsByFraudTypeDto,
  StatsByUnitDto,
  StatsOverviewDto,
  StatsQuery,
  StatsTimeseriesDto,
  TimeseriesQuery,
} from './dto/stats.dto.js';
import { figuresCsv } from './stats-csv.js';
import { StatsService } from './stats.service.js';

const SCOPE =
  'Scoped to the caller: supervisors and officers their unit’s subtree; bank liaisons only their bank’s flags, hits and orders ' +
  '(and the recoveries of those orders); community police only warnings and deliveries of their area; admins everything. ' +
  'Figures outside the role’s view are null. Days are calendar days in Asia/Shanghai; read from rollups kept current in the ' +
  'same transaction as every change, so they equal a direct count of the rows. `?format=csv` answers the same as CSV ' +
  '(UTF-8 with BOM, Chinese header row, amounts in fen and in yuan with two decimals).';

const CSV_OK = (what: string) => `${what} (JSON), or the same as CSV with ?format=csv`;

/** 统计: the figures a bureau reports up the chain. */
@ApiTags('stats')
@Controller('stats')
@Allow(...ANY_ROLE)
@ApiErrors(400)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  private csv(reply: FastifyReply, name: string, body: string): string {
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'private, no-store');
    return body;
  }

  @Get('overview')
  @ApiOperation({ summary: 'Totals of a range of days (统计概览)', description: SCOPE })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StatsOverviewDto, description: CSV_OK('The figures of the range') })
  async overview(
    @CurrentActor() actor: Actor,
    @Query() q: StatsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatsOverviewDto | string> {
    const r = await this.stats.overview(actor, q.from, q.to);
    if (q.format !== 'csv') return r;
    const body = figuresCsv(
      [
        { zh: '起始日期', value: () => r.from },
        { zh: '截止日期', value: () => r.to },
      ],
      [r],
    );
    return this.csv(reply, `stats-overview-${q.from}-${q.to}.csv`, body);
  }

  @Get('by-fraud-type')
  @ApiOperation({ summary: 'Figures by fraud type (按诈骗类型)', description: SCOPE })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StatsByFraudTypeDto, description: CSV_OK('One row per fraud type') })
  async byFraudType(
    @CurrentActor() actor: Actor,
    @Query() q: StatsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatsByFraudTypeDto | string> {
    const r = await this.stats.byFraudType(actor, q.from, q.to);
    if (q.format !== 'csv') return r;
    const body = figuresCsv(
      [
        { zh: '诈骗类型代码', value: (row: (typeof r.rows)[number]) => row.fraudType },
        { zh: '诈骗类型', value: (row: (typeof r.rows)[number]) => row.label },
      ],
      r.rows,
    );
    return this.csv(reply, `stats-by-fraud-type-${q.from}-${q.to}.csv`, body);
  }

  @Get('by-unit')
  @ApiOperation({
    summary: 'Figures by unit, one level below the caller’s unit or a given parent (按单位)',
    description: SCOPE,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: StatsByUnitDto,
    description: CSV_OK('The parent’s own row and one per child'),
  })
  @ApiErrors({ status: 404, description: 'parentUnitId is no unit within the caller’s scope' })
  async byUnit(
    @CurrentActor() actor: Actor,
    @Query() q: ByUnitQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatsByUnitDto | string> {
    const r = await this.stats.byUnit(actor, q.from, q.to, q.parentUnitId);
    if (q.format !== 'csv') return r;
    type Row = (typeof r.rows)[number];
    const body = figuresCsv(
      [
        { zh: '单位代码', value: (row: Row) => row.unitCode },
        {
          zh: '单位名称',
          value: (row: Row) => (row.self ? `${row.unitName}（本级）` : row.unitName),
        },
      ],
      r.rows,
    );
    return this.csv(reply, `stats-by-unit-${q.from}-${q.to}.csv`, body);
  }

  @Get('timeseries')
  @ApiOperation({
    summary: 'Figures per day, week or month (趋势)',
    description: `${SCOPE} A range may span at most 366 days by day, 1,100 by week, 3,660 by month (400 otherwise).`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StatsTimeseriesDto, description: CSV_OK('One row per period') })
  async timeseries(
    @CurrentActor() actor: Actor,
    @Query() q: TimeseriesQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StatsTimeseriesDto | string> {
    const r = await this.stats.timeseries(actor, q.from, q.to, q.interval);
    if (q.format !== 'csv') return r;
    const body = figuresCsv(
      [{ zh: '期间起始日', value: (row: (typeof r.rows)[number]) => row.period }],
      r.rows,
    );
    return this.csv(reply, `stats-timeseries-${q.interval}-${q.from}-${q.to}.csv`, body);
  }
}
