import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each module's published views: where another module's SQL joins a module's tables for speed, it
 * reads these, never the tables (docs/ARCHITECTURE.md, "One published surface per module"). One
 * section per owning module; each view is a plain projection (or, for traced transfers, a join on
 * a primary key), so PostgreSQL inlines it into the statement that reads it and plans the base
 * tables' indexes as before. The names are also written in code, once: identity's in
 * src/common/database/views.ts (the ground floor reads them), the others in src/<module>/views.ts.
 *
 * The app role reads them (its grants cover every table and view of the schema) but cannot write
 * through them: grantAppRole revokes INSERT, UPDATE and DELETE on every view.
 */
export class ModuleViews1733940000000 implements MigrationInterface {
  name = 'ModuleViews1733940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- identity: the unit tree (every scope check), users and API keys without their secrets
      CREATE VIEW identity_v_units AS
        SELECT id, parent_id, kind, code, name, path FROM units;
      CREATE VIEW identity_v_users AS
        SELECT id, unit_id, role, username, display_name, disabled_at FROM users;
      CREATE VIEW identity_v_api_keys AS
        SELECT id, unit_id, name FROM api_keys;

      -- cases: the facts other modules show beside their rows, accounts, traced transfers, fraud types
      CREATE VIEW cases_v_case_facts AS
        SELECT id, case_no, fraud_type, unit_id, officer_id, reported_at FROM cases;
      CREATE VIEW cases_v_identifiers AS
        SELECT id, kind, value FROM identifiers;
      CREATE VIEW cases_v_case_identifiers AS
        SELECT case_id, identifier_id FROM case_identifiers;
      CREATE VIEW cases_v_victim_transfers AS
        SELECT t.victim_id, v.case_id, t.identifier_id, t.amount_fen
        FROM victim_transfers t JOIN victims v ON v.id = t.victim_id;
      CREATE VIEW cases_v_fraud_types AS
        SELECT code, label_zh, typical_script FROM fraud_types;

      -- recoveries: ceremonies and what was returned at them (the monthly report)
      CREATE VIEW recoveries_v_ceremonies AS
        SELECT id, title, held_on, venue, host_unit_id FROM ceremonies;
      CREATE VIEW recoveries_v_allocations AS
        SELECT id, ceremony_id, amount_fen, signed_at FROM allocations;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP VIEW recoveries_v_allocations; DROP VIEW recoveries_v_ceremonies;
      DROP VIEW cases_v_fraud_types; DROP VIEW cases_v_victim_transfers;
      DROP VIEW cases_v_case_identifiers; DROP VIEW cases_v_identifiers; DROP VIEW cases_v_case_facts;
      DROP VIEW identity_v_api_keys; DROP VIEW identity_v_users; DROP VIEW identity_v_units;
    `);
  }
}
