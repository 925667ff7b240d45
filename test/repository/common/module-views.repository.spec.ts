// The modules' published views cost nothing: PostgreSQL inlines each one, so a hot statement read
// through the views plans exactly as the same statement on the tables did before them (the plan
// checks of each repository's spec then hold for both). Fails when a view stops being inlinable
// (an aggregate, DISTINCT or LIMIT in it would leave a Subquery Scan in the plan). Compared: the
// plans' shapes (operations, tables, indexes, joins), not their aliases.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { LinksRepository } from '../../../src/cases/links/links.repository.js';
import { CASES_VIEWS } from '../../../src/cases/views.js';
import { IDENTITY_VIEWS } from '../../../src/common/database/views.js';
import { FAN_OUT_SQL } from '../../../src/alerts/deliveries/deliveries.repository.js';
import { computedInsertSql } from '../../../src/common/outbox/outbox.repository.js';
import { TrendRepository } from '../../../src/alerts/trend/trend.repository.js';
import { FreezeOrdersRepository } from '../../../src/recoveries/freeze-orders/freeze-orders.repository.js';
import { RecoveriesRepository } from '../../../src/recoveries/recoveries/recoveries.repository.js';
import { captureSql, type Statement } from '../recoveries/capture-sql.js';
import { actorOf } from '../cases/factories.js';
import { openRepoDb, type PlanNode, type RepoDb } from '../repo-db.js';

/** The table behind each projection view (same column names, so the swap is the old statement). */
const TABLE_OF: Record<string, string> = {
  [IDENTITY_VIEWS.units]: 'units',
  [IDENTITY_VIEWS.users]: 'users',
  [IDENTITY_VIEWS.apiKeys]: 'api_keys',
  [CASES_VIEWS.caseFacts]: 'cases',
  [CASES_VIEWS.identifiers]: 'identifiers',
  [CASES_VIEWS.caseIdentifiers]: 'case_identifiers',
  [CASES_VIEWS.fraudTypes]: 'fraud_types',
};

const onTables = (sql: string) =>
  sql.replace(/\b[a-z]+_v_[a-z_]+\b/g, (view) => {
    const table = TABLE_OF[view];
    if (!table) throw new Error(`no table for ${view}`);
    return table;
  });

describe('module views on PostgreSQL', () => {
  let db: RepoDb;

  /**
   * The plan's shape: each node's operation, table, index, join type and strategy, nested as
   * PostgreSQL nests them. Aliases and expressions are left out: an inlined view's scan carries
   * the view's own alias (`units_1` for `u`), nothing else.
   */
  async function plan(sql: string, params: unknown[]): Promise<string> {
    const rows = (await db.ds.query(`EXPLAIN (FORMAT JSON, COSTS OFF) ${sql}`, params)) as {
      'QUERY PLAN': { Plan: PlanNode }[];
    }[];
    const shape = (n: PlanNode): unknown => [
      n['Node Type'],
      n['Parent Relationship'] ?? null,
      n['Relation Name'] ?? null,
      n['Index Name'] ?? null,
      n['Join Type'] ?? null,
      n.Strategy ?? null,
      (n.Plans ?? []).map(shape),
    ];
    return JSON.stringify(shape(rows[0]['QUERY PLAN'][0].Plan));
  }

  async function assertSamePlan(s: Statement): Promise<void> {
    assert.match(s.sql, /_v_/, 'the statement reads a view');
    const viaViews = await plan(s.sql, s.params);
    assert.equal(viaViews, await plan(onTables(s.sql), s.params), s.sql);
  }

  beforeAll(async () => {
    db = await openRepoDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('the swap of views for tables is checked: a view not inlined plans differently', async () => {
    const s = {
      sql: `SELECT u.name FROM (SELECT DISTINCT id, name FROM units) u WHERE u.id = $1`,
      params: [randomUUID()],
    };
    assert.notEqual(
      await plan(s.sql, s.params),
      await plan('SELECT u.name FROM units u WHERE u.id = $1', s.params),
    );
  });

  it('scope checks, the link walk and the identifier lookup plan as on the tables', async () => {
    const officer = await actorOf(db, 'li.officer');
    const links = new LinksRepository(db.ds);
    const walk = links.linksQuery(officer, randomUUID(), 3, 100);
    await assertSamePlan({ sql: walk.sql, params: walk.params });
    const stmts = await captureSql(db.ds, async () => {
      await links.casesNaming(officer, randomUUID(), 10);
    });
    for (const s of stmts) await assertSamePlan(s);
  });

  it('orders, recoveries and allocations with their case facts plan as on the tables', async () => {
    const officer = await actorOf(db, 'li.officer');
    const orders = new FreezeOrdersRepository(db.ds);
    const recoveries = new RecoveriesRepository(db.ds);
    const stmts = await captureSql(db.ds, async () => {
      await orders.view(officer, randomUUID());
      await orders.list(officer, {});
      await orders.noticeInfo(randomUUID());
      await recoveries.view(officer, randomUUID());
      await recoveries.list(officer, { caseId: randomUUID() });
      await recoveries.caseOrders(randomUUID(), [randomUUID()]);
      await recoveries.allocationsOf(randomUUID());
      await recoveries.totals(officer);
    });
    assert.equal(stmts.length, 8);
    for (const s of stmts) await assertSamePlan(s);
  });

  it('the fan-out insert and the trend scan plan as on the tables', async () => {
    await assertSamePlan({
      sql: computedInsertSql(FAN_OUT_SQL, 2),
      params: [randomUUID(), 100, 'alerts-deliver', 'alerts-deliver'],
    });
    const stmts = await captureSql(db.ds, async () => {
      await new TrendRepository(db.ds).counts(new Date(), 8);
    });
    for (const s of stmts) await assertSamePlan(s);
  });
});
