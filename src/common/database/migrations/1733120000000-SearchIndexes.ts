import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the police search (POST /cases/search: case number prefix) and the audit trail
 * reader (GET /audit-events: by the actor's unit for supervisors, by action prefix, by time).
 * text_pattern_ops serves `LIKE 'prefix%'` whatever the database's collation.
 */
export class SearchIndexes1733120000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX cases_case_no_prefix_idx ON cases (case_no text_pattern_ops);
      CREATE INDEX audit_events_actor_unit_idx ON audit_events (actor_unit_id, id);
      CREATE INDEX audit_events_action_idx ON audit_events (action text_pattern_ops, id);
      CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX audit_events_occurred_idx; DROP INDEX audit_events_action_idx;
      DROP INDEX audit_events_actor_unit_idx; DROP INDEX cases_case_no_prefix_idx;
    `);
  }
}
