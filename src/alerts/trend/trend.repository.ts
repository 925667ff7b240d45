import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TrendCount } from './trend.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/** The queries of the trend scan. */
@Injectable()
export class TrendRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Per station (the units whose path starts with the station's) and fraud type: cases reported in
   * the 7 days up to `now`, and in each of the `historyWeeks` weeks before. Pairs without a case in
   * the whole span are left out.
   */
  async counts(now: Date, historyWeeks: number): Promise<TrendCount[]> {
    const rows: { station_id: string; fraud_type: string; bucket: number; n: number }[] =
      await this.ds.query(
        `SELECT s.id AS station_id, c.fraud_type,
                floor(extract(epoch FROM ($1::timestamptz - c.reported_at)) / 604800)::int AS bucket,
                count(*)::int AS n
           FROM ${IDENTITY_VIEWS.units} s
           JOIN ${IDENTITY_VIEWS.units} u ON u.path LIKE s.path || '%'
           JOIN ${CASES_VIEWS.caseFacts} c ON c.unit_id = u.id
          WHERE s.kind = 'station'
            AND c.reported_at <= $1::timestamptz
            AND c.reported_at > $1::timestamptz - make_interval(days => 7 * ($2::int + 1))
          GROUP BY 1, 2, 3`,
        [now, historyWeeks],
      );
    const byPair = new Map<string, TrendCount>();
    for (const r of rows) {
      const key = `${r.station_id}|${r.fraud_type}`;
      let c = byPair.get(key);
      if (!c) {
        c = {
          stationId: r.station_id,
          fraudType: r.fraud_type,
          recent: 0,
          history: new Array<number>(historyWeeks).fill(0),
        };
        byPair.set(key, c);
      }
      if (r.bucket === 0) c.recent += r.n;
      else if (r.bucket >= 1 && r.bucket <= historyWeeks) c.history[r.bucket - 1] += r.n;
    }
    return [...byPair.values()];
  }

  /** Whether a spike of this pair was already recorded since `since` (the same 7 days of cases). */
  async spikeSince(
    em: EntityManager,
    stationId: string,
    fraudType: string,
    since: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `SELECT 1 FROM trend_spikes
        WHERE station_unit_id = $1 AND fraud_type = $2 AND detected_at > $3 LIMIT 1`,
      [stationId, fraudType, since],
    );
    return rows.length > 0;
  }

  /** Records the spike; null when this (station, type, ISO week) already has one. */
  async insertSpike(
    em: EntityManager,
    s: {
      stationId: string;
      fraudType: string;
      isoWeek: string;
      recent: number;
      historyTotal: number;
      historyWeeks: number;
      detectedAt: Date;
    },
  ): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO trend_spikes
         (station_unit_id, fraud_type, iso_week, recent_cases, history_cases, history_weeks, detected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (station_unit_id, fraud_type, iso_week) DO NOTHING RETURNING id`,
      [s.stationId, s.fraudType, s.isoWeek, s.recent, s.historyTotal, s.historyWeeks, s.detectedAt],
    );
    return rows[0]?.id ?? null;
  }

  async setSpikeWarning(em: EntityManager, spikeId: string, warningId: string): Promise<void> {
    await em.query('UPDATE trend_spikes SET warning_id = $2 WHERE id = $1', [spikeId, warningId]);
  }
}
