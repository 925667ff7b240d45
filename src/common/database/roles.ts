import { createHmac } from 'node:crypto';
import { Client, ClientBase } from 'pg';
import { withDatabase } from './create-database.js';

/**
 * The two database roles (docs/DECISIONS.md, "Database roles"): the owner holds the schema and
 * runs the migrations; the app may read and write the app's rows, but only read and append audit
 * rows, and can neither alter a table nor switch its triggers off.
 */
export const OWNER_ROLE = 'jingwang_owner';
export const APP_ROLE = 'jingwang_app';

/** Serializes the creation of the roles across every database of the cluster (taken in `postgres`). */
const ROLES_LOCK = 7316240203;
/** Serializes the hand-over of one database to the owner (replicas starting together). */
export const DATABASE_LOCK = 7316240204;

export interface DatabaseRoles {
  /** Migrations, BullMQ's schema and the grants run over this. */
  ownerUrl: string;
  /** The app's connections. */
  appUrl: string;
  /** The role the app connects as, to grant to. */
  appRole: string;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A role's password, derived from the superuser's (HMAC-SHA256): every replica given the same
 * superuser URL computes the same one without storing it anywhere. base64url, so it can be
 * written into CREATE ROLE (which takes no bind parameters) without quoting problems.
 */
function derivedPassword(superUrl: string, role: string): string {
  const secret = decodeURIComponent(new URL(superUrl).password);
  return createHmac('sha256', `jingwang-role:${secret}`).update(role).digest('base64url');
}

function asRole(superUrl: string, role: string): string {
  const u = new URL(superUrl);
  u.username = role;
  u.password = derivedPassword(superUrl, role);
  return u.toString();
}

/** The owner and app URLs of the roles `provisionRoles` made, for a database on the same server. */
export function roleUrls(superUrl: string): DatabaseRoles {
  return {
    ownerUrl: asRole(superUrl, OWNER_ROLE),
    appUrl: asRole(superUrl, APP_ROLE),
    appRole: APP_ROLE,
  };
}

/** The user a URL names (the role the app connects as). */
export function roleOf(url: string): string {
  const name = decodeURIComponent(new URL(url).username);
  if (!name) throw new Error('The database URL must name its user (the role to grant to)');
  return name;
}

async function isSuperuser(client: ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  return rows[0]?.rolsuper === true;
}

/**
 * With one superuser URL (embedded PostgreSQL, the CI's server, a single DATABASE_URL): creates or
 * updates the owner and app roles, gives the database and what is already in it to the owner
 * (a database migrated before the roles existed belongs to the superuser), and returns the URLs
 * to use. Idempotent; safe when several processes, or test runs, do it at once on one server.
 */
export async function provisionRoles(superDatabaseUrl: string): Promise<DatabaseRoles> {
  const cluster = new Client({ connectionString: withDatabase(superDatabaseUrl, 'postgres') });
  await cluster.connect();
  try {
    if (!(await isSuperuser(cluster))) {
      throw new Error(
        'DATABASE_URL alone must name a superuser, which creates the owner and app roles; ' +
          "otherwise give DATABASE_OWNER_URL (the schema's owner) and DATABASE_URL (the app's role)",
      );
    }
    // Roles are cluster-wide: lock in one database that every server has.
    await cluster.query('SELECT pg_advisory_lock($1)', [ROLES_LOCK]);
    try {
      for (const role of [OWNER_ROLE, APP_ROLE]) {
        const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${derivedPassword(superDatabaseUrl, role)}'`;
        try {
          await cluster.query(`CREATE ROLE ${quoteIdent(role)} ${attributes}`);
        } catch (err) {
          // Another provisioner without our lock (an older build) may have just created it.
          const code = (err as { code?: string }).code;
          if (code !== '42710' && code !== '23505') throw err;
        }
        await cluster.query(`ALTER ROLE ${quoteIdent(role)} ${attributes}`);
      }
    } finally {
      await cluster.query('SELECT pg_advisory_unlock($1)', [ROLES_LOCK]);
    }
  } finally {
    await cluster.end();
  }

  const db = new Client({ connectionString: superDatabaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query('SELECT pg_advisory_xact_lock($1)', [DATABASE_LOCK]);
    await db.query(`DO $$
      DECLARE
        o record;
        owner_oid oid := '${OWNER_ROLE}'::regrole;
        app_oid oid := '${APP_ROLE}'::regrole;
      BEGIN
        IF (SELECT datdba FROM pg_database WHERE datname = current_database()) <> owner_oid THEN
          EXECUTE format('ALTER DATABASE %I OWNER TO ${OWNER_ROLE}', current_database());
        END IF;
        -- PostgreSQL before 15 lets every role create tables in public: not the app.
        ALTER SCHEMA public OWNER TO ${OWNER_ROLE};
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        -- What the superuser created before the roles existed goes to the owner (objects the
        -- app role made itself, BullMQ's per-queue sequences, stay the app's).
        FOR o IN SELECT n.nspname FROM pg_namespace n
                  WHERE n.nspname LIKE 'bullmq%' AND n.nspowner NOT IN (owner_oid, app_oid) LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO ${OWNER_ROLE}', o.nspname);
        END LOOP;
        FOR o IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE (n.nspname = 'public' OR n.nspname LIKE 'bullmq%')
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                    AND c.relowner NOT IN (owner_oid, app_oid)
                    -- a sequence owned by a column follows its table
                    AND NOT (c.relkind = 'S' AND EXISTS (
                      SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
          EXECUTE format('ALTER %s %I.%I OWNER TO ${OWNER_ROLE}',
            CASE o.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                           WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
            o.nspname, o.relname);
        END LOOP;
        FOR o IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE (n.nspname = 'public' OR n.nspname LIKE 'bullmq%')
                    AND p.proowner NOT IN (owner_oid, app_oid)
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                       AND d.objid = p.oid AND d.deptype = 'e') LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO ${OWNER_ROLE}', o.fn);
        END LOOP;
        FOR o IN SELECT n.nspname, t.typname FROM pg_type t
                   JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE (n.nspname = 'public' OR n.nspname LIKE 'bullmq%')
                    AND t.typtype IN ('e', 'd') AND t.typowner NOT IN (owner_oid, app_oid)
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                       AND d.objid = t.oid AND d.deptype = 'e') LOOP
          EXECUTE format('ALTER TYPE %I.%I OWNER TO ${OWNER_ROLE}', o.nspname, o.typname);
        END LOOP;
      END $$`);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.end();
  }
  return roleUrls(superDatabaseUrl);
}

/**
 * Run by the owner after the migrations (under their lock): the app may read and write the app's
 * tables, including those later migrations add (default privileges), but only read and append
 * audit rows and only read the migration ledger. The modules' published views (the ModuleViews
 * migration) it may only read: a simple view is updatable, and writes go to the owning module's
 * tables, never through another module's view.
 */
export async function grantAppRole(
  run: (sql: string) => Promise<unknown>,
  appRole: string,
): Promise<void> {
  const app = quoteIdent(appRole);
  for (const sql of [
    `GRANT USAGE ON SCHEMA public TO ${app}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`,
    `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${app}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${app}`,
    `REVOKE ALL ON audit_events FROM ${app}`,
    `GRANT SELECT, INSERT ON audit_events TO ${app}`,
    `REVOKE ALL ON migrations FROM ${app}`,
    `GRANT SELECT ON migrations TO ${app}`,
    `DO $views$ DECLARE v record; BEGIN
       FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'v' LOOP
         EXECUTE format('REVOKE ALL ON public.%I FROM %I', v.relname, ${quoteLiteral(appRole)});
         EXECUTE format('GRANT SELECT ON public.%I TO %I', v.relname, ${quoteLiteral(appRole)});
       END LOOP;
     END $views$`,
  ])
    await run(sql);
}

/**
 * Refuses to run the app as a superuser, as the owner role (or a member of it), or as the owner
 * of the audit table: any of them could rewrite the audit trail (switch its triggers off, drop
 * them). Checked before the grants, which must never be applied to the owner itself.
 */
export async function assertAppRole(appUrl: string, ownerRole: string): Promise<void> {
  const client = new Client({ connectionString: appUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ superuser: boolean; owner: boolean; role: string }>(
      `SELECT current_user AS role, r.rolsuper AS superuser,
              pg_has_role(current_user, $1::name, 'USAGE')
                OR COALESCE(pg_has_role(current_user, (SELECT relowner FROM pg_class
                              WHERE oid = to_regclass('public.audit_events')), 'USAGE'), false) AS owner
         FROM pg_roles r WHERE r.rolname = current_user`,
      [ownerRole],
    );
    const { role, superuser, owner } = rows[0];
    if (superuser || owner) {
      throw new Error(
        `The app's database role ${role} is ${superuser ? 'a superuser' : 'the owner of the tables'}: ` +
          'DATABASE_URL must name a role that is neither (DATABASE_OWNER_URL is for the owner)',
      );
    }
  } finally {
    await client.end();
  }
}
