import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trend scan (趋势研判): one row per spike it found, UNIQUE per (station, fraud type, ISO week)
 * so the same spike is never drafted twice, with the figures the draft warning was written from.
 */
export class TrendScan1732900000000 implements MigrationInterface {
  name = 'TrendScan1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE trend_spikes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        station_unit_id uuid NOT NULL REFERENCES units(id),
        fraud_type text NOT NULL REFERENCES fraud_types(code),
        iso_week text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
        recent_cases integer NOT NULL CHECK (recent_cases >= 0),
        history_cases integer NOT NULL CHECK (history_cases >= 0),
        history_weeks integer NOT NULL CHECK (history_weeks > 0),
        warning_id uuid REFERENCES warnings(id) ON DELETE SET NULL,
        detected_at timestamptz NOT NULL,
        UNIQUE (station_unit_id, fraud_type, iso_week)
      );
      CREATE INDEX trend_spikes_detected_idx ON trend_spikes (station_unit_id, fraud_type, detected_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE trend_spikes;`);
  }
}
