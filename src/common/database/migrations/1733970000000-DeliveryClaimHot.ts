import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A send's claim (queued → sending) as a heap-only (HOT) update: no index of `deliveries` reads
 * the columns it changes (`status`, `claimed_at`, `attempts`), and pages keep room for the new
 * row version, so PostgreSQL writes no index entry for it (five before: three of the five indexes
 * had `status` in their key or predicate). The claim is the most frequent update there is, one per delivery; its
 * cost per row and the indexes' bloat both fall (docs/PERFORMANCE.md).
 *
 * - `next_attempt_at` is NULL once a row has nothing left to attempt (sent, acknowledged, failed,
 *   cancelled) and set while it is queued or being sent; a CHECK holds every writer to that. The
 *   sweeper's index then keeps only open rows through `next_attempt_at IS NOT NULL` instead of a
 *   predicate on `status`: a claim leaves it as it is, the mark that ends a row takes it out.
 * - `deliveries_warning_idx (warning_id, status)` is dropped: UNIQUE (warning_id, coordinator_id,
 *   kind) starts with `warning_id` and serves every look-up by warning (a warning's queued rows are
 *   then found among its rows, not among its queued ones: a withdraw reads the warning's rows once).
 * - `deliveries_coordinator_idx` keeps `coordinator_id` only (a coordinator has few rows).
 * - fillfactor 70: a fan-out fills pages to 70 %, leaving the claims of the rows on a page room for
 *   their new versions (HOT needs the new version on the same page); pruning frees dead versions
 *   as pages are visited again.
 */
export class DeliveryClaimHot1733970000000 implements MigrationInterface {
  name = 'DeliveryClaimHot1733970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deliveries ALTER COLUMN next_attempt_at DROP NOT NULL;
      UPDATE deliveries SET next_attempt_at = NULL WHERE status NOT IN ('queued','sending');
      ALTER TABLE deliveries ADD CONSTRAINT deliveries_next_attempt_open
        CHECK ((next_attempt_at IS NOT NULL) = (status IN ('queued','sending')));
      DROP INDEX deliveries_warning_idx;
      DROP INDEX deliveries_coordinator_idx;
      CREATE INDEX deliveries_coordinator_idx ON deliveries (coordinator_id);
      DROP INDEX deliveries_pending_idx;
      CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at)
        WHERE next_attempt_at IS NOT NULL AND channel <> 'manual';
      ALTER TABLE deliveries SET (fillfactor = 70);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deliveries RESET (fillfactor);
      DROP INDEX deliveries_pending_idx;
      CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at)
        WHERE status IN ('queued','sending') AND channel <> 'manual';
      DROP INDEX deliveries_coordinator_idx;
      CREATE INDEX deliveries_coordinator_idx ON deliveries (coordinator_id, status);
      CREATE INDEX deliveries_warning_idx ON deliveries (warning_id, status);
      ALTER TABLE deliveries DROP CONSTRAINT deliveries_next_attempt_open;
      UPDATE deliveries SET next_attempt_at = coalesce(claimed_at, created_at)
        WHERE next_attempt_at IS NULL;
      ALTER TABLE deliveries ALTER COLUMN next_attempt_at SET NOT NULL;
    `);
  }
}
