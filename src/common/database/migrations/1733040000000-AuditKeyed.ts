import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain is keyed from here on (HMAC with AUDIT_KEY): `keyed` tells the rows written
 * before (plain SHA-256, verified as such only while no keyed row precedes them) from the rest.
 * `request_id` is now always the server's; the client's own X-Request-Id goes beside it.
 * Adding columns with constant defaults rewrites no row, so the append-only trigger is not involved.
 */
export class AuditKeyed1733040000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events
        ADD COLUMN client_request_id text CHECK (char_length(client_request_id) <= 64),
        ADD COLUMN keyed boolean NOT NULL DEFAULT false;
      ALTER TABLE audit_events ALTER COLUMN keyed DROP DEFAULT;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP COLUMN client_request_id, DROP COLUMN keyed`);
  }
}
