import { Injectable, NotFoundException } from '@nestjs/common';
import type { Actor } from '../../common/auth/actor.js';
import { inScope } from '../../common/auth/scope.js';
import { badRequest } from '../../common/http/errors.js';
import type {
  StatsByFraudTypeDto,
  StatsByUnitDto,
  StatsInterval,
  StatsOverviewDto,
  StatsTimeseriesDto,
  StatsUnitRowDto,
} from './dto/stats.dto.js';
import { assemble, type MetricSums } from './figures.js';
import { StatsRepository } from './stats.repository.js';

const DAY_MS = 86_400_000;
/** The longest range of each endpoint, in days: a year by day, three by week, ten otherwise. */
export const MAX_RANGE_DAYS: Record<StatsInterval | 'total', number> = {
  day: 366,
  week: 1100,
  month: 3660,
  total: 3660,
};

const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const EMPTY: MetricSums = new Map();

/** The first day of each period from `from` to `to` (YYYY-MM-DD; weeks start on Monday). */
export function periodStarts(from: string, to: string, interval: StatsInterval): string[] {
  const out: string[] = [];
  const end = dayMs(to);
  let t = dayMs(from);
  if (interval === 'week') t -= ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
  if (interval === 'month') t = dayMs(`${from.slice(0, 7)}-01`);
  while (t <= end) {
    out.push(isoDay(t));
    if (interval === 'month') {
      const d = new Date(t);
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else t += (interval === 'week' ? 7 : 1) * DAY_MS;
  }
  return out;
}

/**
 * Statistics (统计) of the caller's scope for a range of calendar days in Asia/Shanghai, read
 * from the rollup. Published in src/reports/index.ts: the monthly report calls it server-side
 * with the same arguments the API takes.
 */
@Injectable()
export class StatsService {
  constructor(private readonly repo: StatsRepository) {}

  /** 400 naming the field when the range is reversed or too long for the interval. */
  checkRange(from: string, to: string, interval: StatsInterval | 'total' = 'total'): void {
    if (to < from) throw badRequest('to', `must not be before from (${from})`);
    const days = (dayMs(to) - dayMs(from)) / DAY_MS + 1;
    const max = MAX_RANGE_DAYS[interval];
    if (days > max) {
      throw badRequest(
        'to',
        interval === 'total'
          ? `must be at most ${max} days after from`
          : `must be at most ${max} days after from for interval=${interval}`,
      );
    }
  }

  async overview(actor: Actor, from: string, to: string): Promise<StatsOverviewDto> {
    this.checkRange(from, to);
    const sums = await this.repo.sums(actor, from, to, { by: 'total' });
    return { from, to, ...assemble(sums.get('') ?? EMPTY, actor.role) };
  }

  async byFraudType(actor: Actor, from: string, to: string): Promise<StatsByFraudTypeDto> {
    this.checkRange(from, to);
    const [sums, types] = await Promise.all([
      this.repo.sums(actor, from, to, { by: 'fraudType' }),
      this.repo.fraudTypes(),
    ]);
    return {
      from,
      to,
      rows: types.map((t) => ({
        fraudType: t.code,
        label: t.label_zh,
        ...assemble(sums.get(t.code) ?? EMPTY, actor.role, true),
      })),
    };
  }

  async byUnit(
    actor: Actor,
    from: string,
    to: string,
    parentUnitId?: string,
  ): Promise<StatsByUnitDto> {
    this.checkRange(from, to);
    let parent = null;
    if (parentUnitId !== undefined) {
      parent = await this.repo.unit(parentUnitId);
      if (!parent || !inScope(actor, parent.path)) throw new NotFoundException('Unit not found');
    } else if (actor.scopePath !== null) {
      // The top of the caller's scope: the last id of its path.
      const ids = actor.scopePath.split('/').filter(Boolean);
      parent = await this.repo.unit(ids[ids.length - 1]);
    }
    const [sums, children] = await Promise.all([
      this.repo.sums(actor, from, to, { by: 'unit', parentPath: parent?.path ?? null }),
      this.repo.children(parent?.id ?? null),
    ]);
    const rows: StatsUnitRowDto[] = [];
    if (parent) {
      rows.push({
        unitId: parent.id,
        unitCode: parent.code,
        unitName: parent.name,
        self: true,
        ...assemble(sums.get('') ?? EMPTY, actor.role),
      });
    }
    for (const c of children) {
      rows.push({
        unitId: c.id,
        unitCode: c.code,
        unitName: c.name,
        self: false,
        ...assemble(sums.get(c.id) ?? EMPTY, actor.role),
      });
    }
    return { from, to, parentUnitId: parent?.id ?? null, rows };
  }

  async timeseries(
    actor: Actor,
    from: string,
    to: string,
    interval: StatsInterval,
  ): Promise<StatsTimeseriesDto> {
    this.checkRange(from, to, interval);
    const sums = await this.repo.sums(actor, from, to, { by: 'period', interval });
    return {
      from,
      to,
      interval,
      rows: periodStarts(from, to, interval).map((period) => ({
        period,
        ...assemble(sums.get(period) ?? EMPTY, actor.role),
      })),
    };
  }
}
