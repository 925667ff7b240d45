import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables a case's view (GET /cases/:id) is read from, and the column naming the case. */
const CASE_TABLES = [
  ['cases', 'id'],
  ['victims', 'case_id'],
  ['case_identifiers', 'case_id'],
  ['victim_transfers', 'case_id'],
] as const;
const EVENTS = [
  ['insert', 'INSERT', 'NEW'],
  ['update', 'UPDATE', 'NEW'],
  ['delete', 'DELETE', 'OLD'],
] as const;

/**
 * Every change to what a case's view shows is announced on the `case_changed` channel (the case's
 * id, or `*` when a statement changed more than 100 cases or the unit tree changed), so each
 * process can drop the views it holds in memory (CaseViewCache). Statement-level triggers with
 * transition tables: a bulk insert sends one notification per case, not per row. Triggers, not
 * application code, so that no way of changing these rows forgets to announce it.
 */
export class CaseChanged1732950000000 implements MigrationInterface {
  name = 'CaseChanged1732950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE ids text[];
      BEGIN
        IF TG_TABLE_NAME = 'units' THEN
          PERFORM pg_notify('case_changed', '*');
          RETURN NULL;
        END IF;
        EXECUTE format('SELECT array_agg(DISTINCT %I::text) FROM changed', TG_ARGV[0]) INTO ids;
        IF ids IS NULL THEN
          RETURN NULL;
        ELSIF cardinality(ids) > 100 THEN
          PERFORM pg_notify('case_changed', '*');
        ELSE
          PERFORM pg_notify('case_changed', id) FROM unnest(ids) AS id;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER units_case_changed AFTER UPDATE OR DELETE ON units
        FOR EACH STATEMENT EXECUTE FUNCTION notify_case_changed();
    `);
    for (const [table, column] of CASE_TABLES) {
      for (const [suffix, event, side] of EVENTS) {
        await q.query(
          `CREATE TRIGGER ${table}_case_changed_${suffix} AFTER ${event} ON ${table}
             REFERENCING ${side} TABLE AS changed
             FOR EACH STATEMENT EXECUTE FUNCTION notify_case_changed('${column}')`,
        );
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of CASE_TABLES) {
      for (const [suffix] of EVENTS) {
        await q.query(`DROP TRIGGER ${table}_case_changed_${suffix} ON ${table}`);
      }
    }
    await q.query(`
      DROP TRIGGER units_case_changed ON units;
      DROP FUNCTION notify_case_changed();
    `);
  }
}
