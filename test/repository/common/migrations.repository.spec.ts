// Every migration can be rolled back and applied again: what an operator relies on when a deploy
// goes wrong (`typeorm migration:revert`, one step at a time, then the fixed release's start).
// On an empty database of its own, as the owner role (who migrates in production), each
// migration runs up, down and up again, and its down must leave the schema exactly as its up found
// it; then all of them are reverted, newest first, down to an empty schema, and applied again,
// which must build the schema of the first time, grants included. Then, on a clone of the seeded
// template with rows in the rollups, the downs run with data in: the two that refuse to lose what
// no release could get back (TransferFlagFiles while a bank's file is unfinished, AuditKeyed once
// a keyed audit row exists) refuse, and the others come back with the same figures.
//
// The schema is compared as a catalog snapshot of the `public` schema: relations with their
// columns (type, NOT NULL, default, identity), indexes and constraints by definition, views by
// definition, functions by a hash of their whole definition (source, arguments, volatility),
// triggers, standalone types and sequences. Left out, because a down may rightly leave them:
// - extensions (pg_trgm, which Cases creates with IF NOT EXISTS): database-wide, possibly used by
//   something else, and harmless to keep; its functions and types in `public` are left out too;
// - the roles and the owner's default privileges: cluster- or database-wide provisioning
//   (roles.ts), not a migration's;
// - TypeORM's ledger (`migrations`), which outlives every migration by design (its rows are checked
//   instead).
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { dataSourceOptions, runAppMigrations } from '../../../src/common/database/data-source.js';
import { migrations } from '../../../src/common/database/migrations/index.js';
import {
  provisionRoles,
  roleUrls,
  type DatabaseRoles,
} from '../../../src/common/database/roles.js';
import { createEmptyDatabase } from '../../harness.js';
import { makeCoordinator, makeDelivery, makeWarning } from '../alerts/factories.js';
import { makeCeremonyWith, makeOrderAfter, makeStatsCase } from '../reports/factories.js';
import { openRepoDb, type RepoDb } from '../repo-db.js';

/** Objects of `public` that belong to an extension (pg_trgm's operators, functions and types). */
const NOT_EXTENSION = (catalog: string, alias: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass
                 AND e.objid = ${alias}.oid AND e.deptype = 'e')`;
/** TypeORM's own tables, which stay when every migration is reverted. */
const LEDGER = `('migrations', 'migrations_id_seq', 'typeorm_metadata')`;

/** Each part of the snapshot: one query returning one `line` per object. */
const SNAPSHOT: Record<string, string> = {
  schemas: `
    SELECT format('%s owner=%s', nspname, pg_get_userbyid(nspowner)) AS line FROM pg_namespace
     WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
  relations: `
    SELECT format('%s %s persistence=%s owner=%s options=%s rls=%s replica=%s', c.relkind, c.relname,
                  c.relpersistence, pg_get_userbyid(c.relowner),
                  coalesce(array_to_string(c.reloptions, ','), ''), c.relrowsecurity, c.relreplident)
           AS line
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
       AND c.relname NOT IN ${LEDGER} AND ${NOT_EXTENSION('pg_class', 'c')}`,
  // Position among the live columns, not attnum: a column dropped and added again gets a new
  // attnum but keeps its place among the others.
  columns: `
    SELECT format('%s.%s #%s %s%s%s%s%s', c.relname, a.attname,
                  row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                  format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                  coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                  CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
                  CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END,
                  CASE WHEN a.attcollation <> t.typcollation
                       THEN ' collate ' || a.attcollation::regcollation ELSE '' END) AS line
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
       AND c.relname NOT IN ${LEDGER} AND a.attnum > 0 AND NOT a.attisdropped
       AND ${NOT_EXTENSION('pg_class', 'c')}`,
  indexes: `
    SELECT pg_get_indexdef(i.indexrelid) || coalesce(' options=' || array_to_string(x.reloptions, ','), '')
           AS line
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
     WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT IN ${LEDGER}`,
  constraints: `
    SELECT format('%s %s %s', coalesce(nullif(conrelid, 0)::regclass::text, contypid::regtype::text),
                  conname, pg_get_constraintdef(oid)) AS line
      FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace
       AND coalesce(nullif(conrelid, 0)::regclass::text, '') NOT IN ${LEDGER}`,
  views: `
    SELECT format('%s %s', c.relname, pg_get_viewdef(c.oid)) AS line
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')`,
  functions: `
    SELECT format('%s(%s) kind=%s owner=%s md5=%s', p.proname, pg_get_function_identity_arguments(p.oid),
                  p.prokind, pg_get_userbyid(p.proowner),
                  md5(CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prosrc END))
           AS line
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND ${NOT_EXTENSION('pg_proc', 'p')}`,
  triggers: `
    SELECT format('%s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled) AS line
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
  // Standalone types (a table's row type comes and goes with the table).
  types: `
    SELECT format('%s %s owner=%s base=%s labels=%s', t.typname, t.typtype, pg_get_userbyid(t.typowner),
                  coalesce(format_type(nullif(t.typbasetype, 0), t.typtypmod), ''),
                  coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
                             WHERE enumtypid = t.oid), '')) AS line
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('c', 'd', 'e', 'r', 'm')
       AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
       AND ${NOT_EXTENSION('pg_type', 't')}`,
  sequences: `
    SELECT format('%s %s start=%s step=%s min=%s max=%s cache=%s cycle=%s', c.relname,
                  format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                  s.seqcache, s.seqcycle) AS line
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
     WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT IN ${LEDGER}`,
  comments: `
    SELECT format('%s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description) AS line
      FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
     WHERE o.schema = 'public' AND o.identity NOT LIKE 'public.migrations%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid
                         AND e.deptype = 'e')`,
};

/**
 * Who may do what (grantAppRole's work): compared only between two states that both had the
 * grants applied after their migrations, as every start of the app does.
 */
const PRIVILEGES: Record<string, string> = {
  relations: `
    SELECT format('%s %s %s', c.relkind, c.relname,
                  array(SELECT a::text FROM unnest(c.relacl) a ORDER BY 1)) AS line
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND ${NOT_EXTENSION('pg_class', 'c')}`,
  functions: `
    SELECT format('%s(%s) %s', p.proname, pg_get_function_identity_arguments(p.oid),
                  array(SELECT a::text FROM unnest(p.proacl) a ORDER BY 1)) AS line
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND ${NOT_EXTENSION('pg_proc', 'p')}`,
};

type Snapshot = Record<string, string[]>;

async function snapshot(client: Client, parts: Record<string, string>): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [part, sql] of Object.entries(parts)) {
    const { rows } = await client.query<{ line: string }>(`${sql} ORDER BY 1`);
    out[part] = rows.map((r) => r.line);
  }
  return out;
}

/**
 * Fails naming only what differs, part by part (the whole snapshot is a few thousand lines):
 * `-` what `expected` has and `actual` lacks, `+` the reverse.
 */
function assertSameSchema(actual: Snapshot, expected: Snapshot, what: string): void {
  const diff: string[] = [];
  for (const part of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const have = new Set(actual[part] ?? []);
    const want = new Set(expected[part] ?? []);
    for (const line of want) if (!have.has(line)) diff.push(`${part} - ${line}`);
    for (const line of have) if (!want.has(line)) diff.push(`${part} + ${line}`);
  }
  assert.ok(diff.length === 0, `${what}:\n  ${diff.join('\n  ')}`);
}

/** A migration's name as TypeORM reads it (the class name when the migration sets none). */
function nameOf(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

/** The migrations in the order TypeORM runs them: by the timestamp ending their name. */
const ordered = [...migrations]
  .map((M) => ({ M, name: nameOf(new M()) }))
  .sort((a, b) => Number(a.name.slice(-13)) - Number(b.name.slice(-13)));

type Migrations = (typeof migrations)[number][];

/** A DataSource knowing only the given migrations: running it runs those of them still pending. */
async function migrationSource(url: string, list: Migrations): Promise<DataSource> {
  return new DataSource({ ...dataSourceOptions(url, 1), migrations: list }).initialize();
}

describe('migrations: down undoes up', () => {
  let roles: DatabaseRoles;
  let drop: (() => Promise<void>) | undefined;
  let admin: Client;
  /** before[k]: the schema the k-th migration's up found (before[0]: nothing). */
  const before: Snapshot[] = [];
  let first: { schema: Snapshot; privileges: Snapshot };

  /** The names TypeORM's ledger holds, oldest first. */
  const ledger = async () => {
    const { rows } = await admin.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    return rows.map((r) => r.name);
  };

  const ownerSource = (list: Migrations) => migrationSource(roles.ownerUrl, list);

  beforeAll(async () => {
    const database = await createEmptyDatabase();
    drop = database.drop;
    // The owner role owns the database and migrates it, as in production (and the template).
    roles = await provisionRoles(database.url);
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await drop?.();
  });

  it('each migration runs up, down and up again, its down leaving the schema its up found', async () => {
    for (let k = 0; k < ordered.length; k++) {
      const { name } = ordered[k];
      before.push(await snapshot(admin, SNAPSHOT));
      const ds = await ownerSource(ordered.slice(0, k + 1).map((m) => m.M));
      try {
        const ran = await ds.runMigrations({ transaction: 'each' });
        assert.deepEqual(
          ran.map((m) => m.name),
          [name],
        );
        const after = await snapshot(admin, SNAPSHOT);
        await ds.undoLastMigration({ transaction: 'each' });
        assertSameSchema(
          await snapshot(admin, SNAPSHOT),
          before[k],
          `${name}: down left the schema different from what up found`,
        );
        const again = await ds.runMigrations({ transaction: 'each' });
        assert.deepEqual(
          again.map((m) => m.name),
          [name],
        );
        assertSameSchema(
          await snapshot(admin, SNAPSHOT),
          after,
          `${name}: up after down built another schema`,
        );
      } finally {
        await ds.destroy();
      }
    }
    assert.deepEqual(
      await ledger(),
      ordered.map((m) => m.name),
    );
    // What the app's start does after migrating (nothing is pending now): the app role's grants.
    assert.deepEqual(await runAppMigrations(roles.ownerUrl, roles.appRole), []);
    first = {
      schema: await snapshot(admin, SNAPSHOT),
      privileges: await snapshot(admin, PRIVILEGES),
    };
  });

  it('reverted one at a time, newest first, they leave an empty schema', async () => {
    assert.ok(first, 'needs the migrations up');
    // As `typeorm migration:revert` does it: the full list, the newest executed one undone per run.
    const ds = await ownerSource(migrations);
    try {
      for (let k = ordered.length - 1; k >= 0; k--) {
        await ds.undoLastMigration({ transaction: 'each' });
        assert.deepEqual(
          await ledger(),
          ordered.slice(0, k).map((m) => m.name),
        );
        assertSameSchema(
          await snapshot(admin, SNAPSHOT),
          before[k],
          `reverting ${ordered[k].name} left the schema different from what its up found`,
        );
      }
    } finally {
      await ds.destroy();
    }
    // Nothing of the app's is left: no table, view, sequence, function, trigger, type, index or
    // constraint (a trigger, index or constraint would need a table; listed all the same).
    const left = await snapshot(admin, SNAPSHOT);
    assert.deepEqual(
      Object.entries(left).filter(([part, lines]) => part !== 'schemas' && lines.length > 0),
      [],
    );
    // …but pg_trgm (see the top of this file), beside PostgreSQL's own plpgsql.
    const { rows } = await admin.query<{ extname: string }>(
      'SELECT extname FROM pg_extension ORDER BY 1',
    );
    assert.deepEqual(
      rows.map((r) => r.extname),
      ['pg_trgm', 'plpgsql'],
    );
  });

  it('applied again, they build the schema of the first time, grants included', async () => {
    assert.ok(first, 'needs the migrations up');
    // As the next start does: every migration, then the app role's grants.
    assert.deepEqual(
      await runAppMigrations(roles.ownerUrl, roles.appRole),
      ordered.map((m) => m.name),
    );
    assertSameSchema(await snapshot(admin, SNAPSHOT), first.schema, 'schema');
    assertSameSchema(await snapshot(admin, PRIVILEGES), first.privileges, 'privileges');
  });
});

describe('migrations: down on a database in use', () => {
  let db: RepoDb;
  beforeAll(async () => {
    // A clone of the template: the demo units and users, and audit rows the seeding wrote (keyed).
    db = await openRepoDb();
    const [wa, ql, icbc] = await Promise.all(
      ['GY-YY-WA', 'GY-YY-QL', 'ICBC-GY'].map((c) => db.unitId(c)),
    );
    // Rows in the rollups: a case with an order (golden hour), a ceremony's allocations, and a
    // published warning's deliveries, one sent and one queued (DeliveryClaimHot's down rewrites the
    // sent one's next_attempt_at, through the rollups' update trigger).
    const warningId = await makeWarning(db.admin, {
      unitId: wa,
      targets: [ql],
      status: 'published',
      approvedBy: await db.userId('wu.supervisor'),
    });
    for (const status of ['sent', 'queued'] as const)
      await makeDelivery(db.admin, {
        warningId,
        coordinatorId: await makeCoordinator(db.admin, { communityId: ql }),
        status,
      });
    const caseId = await makeStatsCase(db.admin, {
      unitId: wa,
      reportedAt: '2025-03-31T15:59:59Z',
      status: 'registered',
      lossFen: 1_000,
    });
    await makeOrderAfter(db.admin, { caseId, unitId: wa, bankUnitId: icbc, minutes: 42 });
    await makeCeremonyWith(db.admin, {
      hostUnitId: wa,
      bankUnitId: icbc,
      heldOn: '2025-04-02',
      title: '发还仪式',
      amounts: [5_000, 7_000],
      signed: 1,
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** The rollups' figures (rows summing to nothing left out: the triggers may keep them, a rebuild does not). */
  const rollups = async () =>
    (
      (await db.admin.query(
        `SELECT 'daily ' || r::text AS line FROM stats_daily r WHERE n <> 0 OR fen <> 0
         UNION ALL SELECT 'monthly ' || r::text FROM stats_monthly r WHERE n <> 0 OR fen <> 0
         UNION ALL SELECT 'golden ' || r::text FROM stats_case_golden r ORDER BY 1`,
      )) as { line: string }[]
    ).map((r) => r.line);
  const audit = async () =>
    (
      (await db.admin.query(
        'SELECT count(*)::int AS n, count(*) FILTER (WHERE keyed)::int AS keyed FROM audit_events',
      )) as { n: number; keyed: number }[]
    )[0];

  it('reverts newest first, TransferFlagFiles waiting for unfinished files and AuditKeyed refusing while keyed audit rows exist; applied again, the rollups come back as they were', async () => {
    const figures = await rollups();
    for (const fact of ['golden ', ',returned,', ',delivery_sent,'])
      assert.ok(
        figures.some((line) => line.includes(fact)),
        fact,
      );
    const rows = await audit();
    assert.ok(rows.keyed > 0, 'the seeding writes keyed audit rows');
    const at = (name: string) => ordered.findIndex((m) => m.name.startsWith(name));
    const [filesAt, keyedAt] = [at('TransferFlagFiles'), at('AuditKeyed')];
    assert.ok(filesAt > keyedAt);
    const roles = roleUrls(db.url);
    // A bank's file the workers have not stored yet.
    const [{ id: fileId }] = (await db.admin.query(
      `INSERT INTO transfer_flag_files (bank_unit_id, submitted_by_kind, submitted_by_id, encoding,
         size_bytes, status, rows_total)
       VALUES ($1, 'user', $2, 'utf-8', 100, 'queued', 1) RETURNING id`,
      [await db.unitId('ICBC-GY'), await db.userId('liu.icbc')],
    )) as { id: string }[];

    const ds = await migrationSource(roles.ownerUrl, migrations);
    try {
      const undo = () => ds.undoLastMigration({ transaction: 'each' });
      for (let k = ordered.length - 1; k > filesAt; k--) await undo();
      await assert.rejects(
        undo(),
        /TransferFlagFiles cannot be reverted yet: 1 bank file\(s\) are queued or processing/,
      );
      // As the worker ends it.
      await db.admin.query(
        `UPDATE transfer_flag_files SET status = 'done', rows_done = 1, accepted = 1,
           started_at = now(), finished_at = now() WHERE id = $1`,
        [fileId],
      );
      for (let k = filesAt; k > keyedAt; k--) await undo();
      await assert.rejects(
        undo(),
        /AuditKeyed cannot be reverted: \d+ audit row\(s\) are hashed with AUDIT_KEY/,
      );
    } finally {
      await ds.destroy();
    }
    // The refusal rolled its transaction back: the migration is still recorded, its columns there.
    const ledger = (await db.admin.query('SELECT name FROM migrations ORDER BY id')) as {
      name: string;
    }[];
    assert.deepEqual(
      ledger.map((r) => r.name),
      ordered.slice(0, keyedAt + 1).map((m) => m.name),
    );
    assert.deepEqual(await audit(), rows);

    // StatsRollups' up backfills from the rows (stats_rebuild): the same figures the triggers kept.
    assert.deepEqual(
      await runAppMigrations(roles.ownerUrl, roles.appRole),
      ordered.slice(keyedAt + 1).map((m) => m.name),
    );
    assert.deepEqual(await rollups(), figures);
    assert.deepEqual(await audit(), rows);
  });
});
