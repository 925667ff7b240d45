import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statistics reads as index-only scans (docs/PERFORMANCE.md, "Statistics"). A statistics
 * request reads one key of `stats_daily` / `stats_monthly` over a range of days — (subtree, bank,
 * fraud type) fixed, `day` a range — which is a range of the primary key; but the rows of one key
 * lie on as many heap pages as they have days (the tables are filled in arrival order), so a year
 * by day or by week (about 20,000 daily rows for the city at 1,000,000 cases, the golden-hour
 * histogram being most of them) fetched about as many heap pages. The primary key now carries
 * `n` and `fen` (INCLUDE), so the range is read from the index alone, its rows side by side.
 *
 * The price: an upsert that changes `n` or `fen` changes an indexed column, so it can no longer be
 * a HOT update and adds an index entry (the rollup had one index, it still has one). Autovacuum
 * runs sooner on both tables so the visibility map stays current (an index-only scan fetches the
 * heap for pages changed since the last vacuum) and the dead entries of today's hot rows are
 * reclaimed.
 *
 * Not a weekly rollup: a year by week would still read thousands of rows (the histogram has up to
 * a few hundred buckets per week) and every filing would pay a third grain of upserts.
 */
export class StatsCovering1733910000000 implements MigrationInterface {
  name = 'StatsCovering1733910000000';

  async up(q: QueryRunner): Promise<void> {
    // Both tables at once, in the order every rollup writer takes them (daily, then monthly). Even
    // so, an app still writing while this runs can deadlock with it (a writer holding a rollup lock
    // waits on another's advisory lock, which waits behind this one): seen against an app expiring
    // 200,000 orders. Run it, like every migration here, before the new app's workers start and
    // with the old app's stopped; a deadlock only fails the start, which can be retried.
    await q.query('LOCK TABLE stats_daily, stats_monthly IN ACCESS EXCLUSIVE MODE');
    for (const t of ['stats_daily', 'stats_monthly']) {
      await q.query(`
        ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey;
        ALTER TABLE ${t} ADD CONSTRAINT ${t}_pkey
          PRIMARY KEY (subtree_id, bank_id, fraud_type, day, metric) INCLUDE (n, fen);
        ALTER TABLE ${t} SET (autovacuum_vacuum_scale_factor = 0.02,
          autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
      `);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('LOCK TABLE stats_daily, stats_monthly IN ACCESS EXCLUSIVE MODE');
    for (const t of ['stats_daily', 'stats_monthly']) {
      await q.query(`
        ALTER TABLE ${t} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor,
          autovacuum_analyze_scale_factor);
        ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey;
        ALTER TABLE ${t} ADD CONSTRAINT ${t}_pkey PRIMARY KEY (subtree_id, bank_id, fraud_type, day, metric);
      `);
    }
  }
}
