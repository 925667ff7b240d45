// Rows of the ground floor's tables (the audit chain, the outbox) for repository tests.
import type { DataSource } from 'typeorm';
import type { AuditRecord } from '../../../src/common/audit/audit-hash.js';
import type { Actor } from '../../../src/common/auth/actor.js';
import { Role } from '../../../src/common/auth/roles.js';

let serial = 0;

/** One audit record; by default a system event at a distinct time. */
export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  serial += 1;
  return {
    occurredAt: new Date(Date.UTC(2026, 10, 1, 8, 0, serial)),
    actorKind: 'system',
    actorId: null,
    actorRole: null,
    actorUnitId: null,
    action: 'repo_test.event',
    entity: 'repo_test',
    entityId: String(serial),
    requestId: `req-${serial}`,
    clientRequestId: null,
    ip: null,
    details: { serial },
    ...overrides,
  };
}

/** A user actor of a seeded unit, scoped to its subtree (admins: unscoped). */
export async function actorOf(
  admin: DataSource,
  username: string,
): Promise<Actor & { unitPath: string }> {
  const [u] = (await admin.query(
    `SELECT u.id, u.username, u.role, u.unit_id, n.path FROM users u JOIN units n ON n.id = u.unit_id
     WHERE u.username = $1`,
    [username],
  )) as { id: string; username: string; role: Role; unit_id: string; path: string }[];
  if (!u) throw new Error(`no seeded user ${username}`);
  return {
    kind: 'user',
    id: u.id,
    username: u.username,
    role: u.role,
    unitId: u.unit_id,
    scopePath: u.role === Role.Admin ? null : u.path,
    unitPath: u.path,
  };
}

/**
 * Empties the audit chain (the template's seeding wrote rows). The table refuses DELETE through its
 * triggers even to its owner; a superuser session can skip them with replica mode.
 */
export async function emptyAuditChain(admin: DataSource): Promise<void> {
  await admin.transaction(async (em) => {
    await em.query('SET LOCAL session_replication_role = replica');
    await em.query('DELETE FROM audit_events');
  });
}

/** Outbox rows as the app writes them; `sentHoursAgo` marks one sent that long ago. */
export async function outboxRows(
  admin: DataSource,
  rows: { jobName?: string; availableInMs?: number; sentHoursAgo?: number }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    const [row] = (await admin.query(
      `INSERT INTO outbox (queue, job_name, payload, delay_ms, available_at, sent_at)
       VALUES ('repo-test', $1, '{}'::jsonb, 0, now() + make_interval(secs => $2::double precision / 1000),
               CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(hours => $3::int) END)
       RETURNING id`,
      [r.jobName ?? 'repo-test-job', r.availableInMs ?? 0, r.sentHoursAgo ?? null],
    )) as { id: string }[];
    ids.push(String(row.id));
  }
  return ids;
}
