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

  /**
   * Refuses once a keyed row exists. Such a row's hash is an HMAC over its content and its
   * client_request_id (audit-hash.ts): dropping the two columns would leave rows that the earlier
   * release checks as plain SHA-256 and reports as tampered with, and applying this migration again
   * would mark them unkeyed, so no release could verify them any more. The audit trail is
   * append-only evidence: past this point, a bad release is fixed by rolling forward (or by
   * restoring a backup taken before this migration).
   * While only earlier rows exist (keyed false, no client request id), nothing is lost.
   */
  async down(q: QueryRunner): Promise<void> {
    // The lock keeps an app still running from writing a keyed row between the count and the drop.
    await q.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
    const [{ n }] = (await q.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE keyed OR client_request_id IS NOT NULL',
    )) as { n: number }[];
    if (n > 0)
      throw new Error(
        `AuditKeyed cannot be reverted: ${n} audit row(s) are hashed with AUDIT_KEY, and without ` +
          'keyed and client_request_id no release could verify them again. Roll forward with a fix ' +
          'instead, or restore a backup taken before this migration.',
      );
    await q.query(`ALTER TABLE audit_events DROP COLUMN client_request_id, DROP COLUMN keyed`);
  }
}
