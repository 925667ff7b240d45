// Rows of identity's tables for repository tests, written as the superuser (db.admin).
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../../src/common/auth/actor.js';
import { Role } from '../../../src/common/auth/roles.js';

const suffix = () => randomBytes(4).toString('hex').toUpperCase();

/** A unit under `parentId` (or a root), its path set as the app sets it. */
export async function makeUnit(
  admin: DataSource,
  o: { kind: string; parentId?: string | null; code?: string; name?: string },
): Promise<{ id: string; code: string; path: string }> {
  const code = o.code ?? `T-${suffix()}`;
  const parent = o.parentId
    ? (
        (await admin.query('SELECT path FROM units WHERE id = $1', [o.parentId])) as {
          path: string;
        }[]
      )[0].path
    : '/';
  const [{ id }] = (await admin.query(
    `INSERT INTO units (parent_id, kind, code, name, path)
     VALUES ($1, $2, $3, $4, 'pending-' || gen_random_uuid()) RETURNING id`,
    [o.parentId ?? null, o.kind, code, o.name ?? `测试单位 ${code}`],
  )) as { id: string }[];
  const path = `${parent}${id}/`;
  await admin.query('UPDATE units SET path = $2 WHERE id = $1', [id, path]);
  return { id, code, path };
}

export async function makeUser(
  admin: DataSource,
  o: { unitId: string; role: Role; username?: string; disabled?: boolean },
): Promise<string> {
  const [{ id }] = (await admin.query(
    `INSERT INTO users (username, display_name, password_hash, role, unit_id, disabled_at)
     VALUES ($1, '测试用户', 'not-a-hash', $2, $3, $4) RETURNING id`,
    [o.username ?? `t.${suffix().toLowerCase()}`, o.role, o.unitId, o.disabled ? new Date() : null],
  )) as { id: string }[];
  return id;
}

export async function makeApiKey(
  admin: DataSource,
  o: { unitId: string; createdBy: string; prefix?: string; revoked?: boolean },
): Promise<{ id: string; prefix: string }> {
  const prefix = o.prefix ?? `jwk_${suffix().toLowerCase()}`;
  const [{ id }] = (await admin.query(
    `INSERT INTO api_keys (unit_id, name, key_prefix, key_hash, created_by, revoked_at)
     VALUES ($1, '测试密钥', $2, 'hash', $3, $4) RETURNING id`,
    [o.unitId, prefix, o.createdBy, o.revoked ? new Date() : null],
  )) as { id: string }[];
  return { id, prefix };
}

/** The Actor the guard builds for a user: their unit's subtree, a liaison's whole bank, admins all. */
export async function actorOf(admin: DataSource, userId: string): Promise<Actor> {
  const [r] = (await admin.query(
    `SELECT u.id, u.username, u.role, u.unit_id, un.path,
            (SELECT b.path FROM units b WHERE b.kind = 'bank' AND un.path LIKE b.path || '%' LIMIT 1) AS bank_path
     FROM users u JOIN units un ON un.id = u.unit_id WHERE u.id = $1`,
    [userId],
  )) as {
    id: string;
    username: string;
    role: Role;
    unit_id: string;
    path: string;
    bank_path: string | null;
  }[];
  return {
    kind: 'user',
    id: r.id,
    username: r.username,
    role: r.role,
    unitId: r.unit_id,
    scopePath:
      r.role === Role.Admin ? null : r.role === Role.BankLiaison ? (r.bank_path ?? r.path) : r.path,
  };
}
