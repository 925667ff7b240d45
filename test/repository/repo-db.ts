// The repository test tier: each repository's methods run against real PostgreSQL, on a clone of the
// migrated, seeded template (the demo units and users of seeds/demo.json are there), connected as the
// app's own role so a statement that needs a privilege the app lacks fails here as in production.
import { DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { roleUrls } from '../../src/common/database/roles.js';
import { createTestDatabase } from '../harness.js';

export interface RepoDb {
  /** The app role's connection: what repositories get in production. */
  ds: DataSource;
  /** A superuser connection to the same database, for arranging rows the app may not write. */
  admin: DataSource;
  /** The superuser's URL of the database (the owner and app roles' URLs follow from it: roleUrls). */
  url: string;
  /** Id of a seeded unit by its code (GY-YY-WA, ICBC-GY, …). */
  unitId(code: string): Promise<string>;
  /** Id of a seeded user by username. */
  userId(username: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fresh database for one repository test file. `entities` are the ones the repositories under
 * test reach through TypeORM's Repository API; hand-written SQL needs none.
 */
export async function openRepoDb(entities: EntityTarget<ObjectLiteral>[] = []): Promise<RepoDb> {
  const database = await createTestDatabase();
  const ds = new DataSource({
    type: 'postgres',
    url: roleUrls(database.url).appUrl,
    entities: entities as never[],
    extra: { max: 4 },
  });
  const admin = new DataSource({ type: 'postgres', url: database.url, extra: { max: 2 } });
  await Promise.all([ds.initialize(), admin.initialize()]);
  const one = async (sql: string, value: string, what: string): Promise<string> => {
    const rows = (await admin.query(sql, [value])) as { id: string }[];
    if (rows.length !== 1) throw new Error(`no seeded ${what} ${value}`);
    return rows[0].id;
  };
  return {
    ds,
    admin,
    url: database.url,
    unitId: (code) => one('SELECT id FROM units WHERE code = $1', code, 'unit'),
    userId: (username) => one('SELECT id FROM users WHERE username = $1', username, 'user'),
    async close() {
      await Promise.all([ds.destroy(), admin.destroy()]);
      await database.drop();
    },
  };
}

/** One node of PostgreSQL's JSON plan. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/**
 * The plan PostgreSQL picks for a statement (EXPLAIN, not ANALYZE: nothing runs). Run ANALYZE on
 * the tables first (after loading enough rows that a sequential scan would lose), or the planner
 * judges an almost empty table cheaper to scan whole.
 */
export async function explain(
  ds: DataSource,
  sql: string,
  params: unknown[] = [],
): Promise<PlanNode> {
  const rows = (await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
    'QUERY PLAN': { Plan: PlanNode }[];
  }[];
  return rows[0]['QUERY PLAN'][0].Plan;
}

/** Every node of a plan, depth first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** The indexes a plan reads, and the tables it scans whole ("Seq Scan on t"). */
export function planSummary(plan: PlanNode): { indexes: string[]; seqScans: string[] } {
  const nodes = planNodes(plan);
  return {
    indexes: [...new Set(nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))].sort(),
    seqScans: [
      ...new Set(
        nodes.flatMap((n) =>
          n['Node Type'] === 'Seq Scan' && n['Relation Name'] ? [n['Relation Name']] : [],
        ),
      ),
    ].sort(),
  };
}
