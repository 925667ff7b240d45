/**
 * The trend scan's decision (趋势研判), pure: given per station and fraud type the cases of the last
 * 7 days and of each of the weeks before, which pairs are a spike worth a draft warning.
 */

/** Weeks of history the weekly mean is taken over. */
export const TREND_HISTORY_WEEKS = 8;

export const WEEK_MS = 7 * 24 * 3600_000;

export interface TrendCount {
  stationId: string;
  fraudType: string;
  /** Cases reported in the last 7 days. */
  recent: number;
  /** Cases per week before that, most recent first; missing weeks count as 0. */
  history: number[];
}

export interface TrendThresholds {
  /** At least this many cases in the last 7 days. */
  minCases: number;
  /** And more than this many times the weekly mean of the history. */
  factor: number;
  historyWeeks?: number;
}

export interface Spike {
  stationId: string;
  fraudType: string;
  recent: number;
  historyTotal: number;
  historyWeeks: number;
  /** historyTotal / historyWeeks, for display only (the decision compares integers). */
  weeklyMean: number;
}

/**
 * A spike: `recent ≥ minCases` and `recent > factor × mean(history)`. With no history at all
 * (mean 0) the minimum alone decides. Sorted by station, then by recent count, largest first.
 */
export function findSpikes(counts: TrendCount[], t: TrendThresholds): Spike[] {
  const weeks = t.historyWeeks ?? TREND_HISTORY_WEEKS;
  const out: Spike[] = [];
  for (const c of counts) {
    if (c.recent < t.minCases) continue;
    const historyTotal = c.history.slice(0, weeks).reduce((s, n) => s + n, 0);
    // recent > factor × total / weeks, without dividing.
    if (c.recent * weeks <= t.factor * historyTotal) continue;
    out.push({
      stationId: c.stationId,
      fraudType: c.fraudType,
      recent: c.recent,
      historyTotal,
      historyWeeks: weeks,
      weeklyMean: historyTotal / weeks,
    });
  }
  return out.sort((a, b) =>
    a.stationId === b.stationId ? b.recent - a.recent : a.stationId < b.stationId ? -1 : 1,
  );
}

/** ISO 8601 week of an instant in China Standard Time (UTC+8, no daylight saving), e.g. `2026-W47`. */
export function isoWeekKey(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const day = d.getUTCDay() || 7; // Monday 1 … Sunday 7
  // The Thursday of this week decides the year.
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (24 * 3600_000) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The Chinese text of the draft: the figures and the type's typical script. */
export function trendWarningText(
  s: Spike,
  stationName: string,
  fraudTypeZh: string,
  typicalScript: string,
): { title: string; body: string } {
  const mean = Math.round(s.weeklyMean * 10) / 10;
  const ratio = s.historyTotal > 0 ? `，为周均值的 ${(s.recent / s.weeklyMean).toFixed(1)} 倍` : '';
  return {
    title: `【趋势预警】${stationName}辖区${fraudTypeZh}案件近7日明显上升`,
    body:
      `近7日${stationName}辖区共接报${fraudTypeZh}类案件 ${s.recent} 起；` +
      `此前${s.historyWeeks}周共 ${s.historyTotal} 起，周均 ${mean} 起${ratio}。\n\n` +
      `典型话术：${typicalScript}\n\n` +
      `（本预警由系统趋势研判自动起草，须经审核后方可发布。）`,
  };
}
