import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Updates of deliveries fold into the statistics rollups once per statement, not once per row.
 *
 * Every send is two updates of its delivery row (the claim, queued → sending, and the mark,
 * sending → sent), each made for many rows at once (a claim statement takes up to 256 rows, a mark
 * statement every send answered meanwhile). The row trigger `stats_row` ran `stats_apply` for each
 * row: about ten upserts into `stats_daily`/`stats_monthly` per sent row, on the few rollup rows of
 * a community and its parents that every delivery of a fan-out shares. That was the delivery
 * rate's limit (a mark statement of 55 rows: 686 ms, of which 15 ms finding the rows;
 * docs/PERFORMANCE.md). Now an UPDATE statement computes the facts of its old and new rows from
 * its transition tables and applies their difference in one `stats_apply` (nothing at all when
 * neither side has a fact, as for a claim); the sums are the same as row by row. DELETE keeps the
 * row trigger (rare: a warning's deliveries go with it).
 */
export class DeliveryStatsStatement1733930000000 implements MigrationInterface {
  name = 'DeliveryStatsStatement1733930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION stats_update_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        minus stats_fact[];
        plus stats_fact[];
      BEGIN
        EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM old_rows o, LATERAL %I(o) f', TG_ARGV[0]) INTO minus;
        EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM new_rows n, LATERAL %I(n) f', TG_ARGV[0]) INTO plus;
        IF cardinality(minus) > 0 OR cardinality(plus) > 0 THEN
          PERFORM stats_apply(minus, plus);
        END IF;
        RETURN NULL;
      END $$;

      DROP TRIGGER stats_row ON deliveries;
      CREATE TRIGGER stats_update AFTER UPDATE ON deliveries
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION stats_update_stmt('stats_facts_deliveries');
      CREATE TRIGGER stats_row AFTER DELETE ON deliveries
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_deliveries');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER stats_row ON deliveries;
      DROP TRIGGER stats_update ON deliveries;
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON deliveries
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_deliveries');
      DROP FUNCTION stats_update_stmt();
    `);
  }
}
