import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statement trigger of deliveries' updates in static SQL, and nothing to do for a statement
 * none of whose rows was or becomes sent.
 *
 * A delivery's facts (`stats_facts_deliveries`) all need `sent_at`; the claim of a send (queued →
 * sending, the most frequent update) changes no row that has one. The generic `stats_update_stmt`
 * still ran its two dynamic statements (EXECUTE of a format()ted query, planned anew on every
 * call) to find no facts, and applied them unsummed. Here the facts are summed by rollup key first (as
 * `stats_insert_stmt` does since BulkInsertCosts) in plain PL/pgSQL queries, planned once per
 * connection, and a statement whose old and new rows all lack `sent_at` returns at once. The sums
 * are the same: a row without `sent_at` has no facts on either side.
 */
export class DeliveryStatsStatic1733960000000 implements MigrationInterface {
  name = 'DeliveryStatsStatic1733960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION stats_update_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        minus stats_fact[];
        plus stats_fact[];
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM old_rows WHERE sent_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM new_rows WHERE sent_at IS NOT NULL) THEN
          RETURN NULL;
        END IF;
        -- Summed by rollup key first, as stats_insert_stmt does (BulkInsertCosts).
        SELECT coalesce(array_agg((day, unit_id, fraud_type, bank_unit_id, metric, n, fen)::stats_fact), '{}')
        INTO minus
        FROM (SELECT f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric,
                     sum(f.n)::bigint AS n, sum(f.fen)::bigint AS fen
              FROM old_rows r, LATERAL stats_facts_deliveries(r) f WHERE r.sent_at IS NOT NULL
              GROUP BY f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric) g;
        SELECT coalesce(array_agg((day, unit_id, fraud_type, bank_unit_id, metric, n, fen)::stats_fact), '{}')
        INTO plus
        FROM (SELECT f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric,
                     sum(f.n)::bigint AS n, sum(f.fen)::bigint AS fen
              FROM new_rows r, LATERAL stats_facts_deliveries(r) f WHERE r.sent_at IS NOT NULL
              GROUP BY f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric) g;
        IF cardinality(minus) > 0 OR cardinality(plus) > 0 THEN
          PERFORM stats_apply(minus, plus);
        END IF;
        RETURN NULL;
      END $$;

      DROP TRIGGER stats_update ON deliveries;
      CREATE TRIGGER stats_update AFTER UPDATE ON deliveries
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION stats_update_deliveries();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER stats_update ON deliveries;
      CREATE TRIGGER stats_update AFTER UPDATE ON deliveries
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION stats_update_stmt('stats_facts_deliveries');
      DROP FUNCTION stats_update_deliveries();
    `);
  }
}
