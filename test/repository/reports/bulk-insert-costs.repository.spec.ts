// Migration BulkInsertCosts: the statement-level rollup triggers sum their facts by key before
// expanding them, and transfer_flags' ids are time-ordered UUIDs (version 7). The sums must be the
// ones a rebuild from the tables gives, whatever one statement mixes (banks, days, amounts); the
// ids must be well-formed version-7 UUIDs in the order they were made.
import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { openRepoDb, type RepoDb } from '../repo-db.js';

interface RollupRow {
  day: string;
  subtree_id: string;
  fraud_type: string;
  bank_id: string;
  metric: string;
  n: string;
  fen: string;
}

describe('BulkInsertCosts', () => {
  let db: RepoDb;
  const rollups = async (table: 'stats_daily' | 'stats_monthly'): Promise<RollupRow[]> =>
    (await db.admin.query(
      `SELECT day::text, subtree_id, fraud_type, bank_id, metric, n::text, fen::text FROM ${table}
       WHERE metric = 'flag' ORDER BY day, subtree_id, fraud_type, bank_id, metric`,
    )) as RollupRow[];

  beforeAll(async () => {
    db = await openRepoDb();
  });
  afterAll(() => db.close());

  it('one INSERT of 5,000 flags of two banks over three days leaves the rollups a rebuild gives', async () => {
    const banks = (await db.admin.query(
      `SELECT id FROM units WHERE kind = 'bank' ORDER BY code LIMIT 2`,
    )) as { id: string }[];
    assert.equal(banks.length, 2);
    // Days in China time around midnight: 23:30 and 00:30 Shanghai fall on different days.
    await db.admin.query(
      `INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payee_account,
         amount_fen, occurred_at, reason, submitted_by_kind, submitted_by_id, created_at)
       SELECT CASE WHEN g % 3 = 0 THEN $1::uuid ELSE $2::uuid END, 'BULK-' || g,
              '6217' || lpad(g::text, 15, '0'), '6230' || lpad(g::text, 15, '0'),
              1 + (g * 7919) % 1000000, now(), '测试', 'api_key', gen_random_uuid(),
              timestamptz '2026-11-28 15:30:00+00' + (g % 3) * interval '1 hour' + (g % 2) * interval '1 day'
       FROM generate_series(1, 5000) g`,
      [banks[0].id, banks[1].id],
    );
    const daily = await rollups('stats_daily');
    const monthly = await rollups('stats_monthly');
    // Every flag counted once per key it belongs to: the bank's own rows sum to 5,000 flags.
    const total = daily
      .filter(
        (r) => r.subtree_id === '00000000-0000-0000-0000-000000000000' && r.fraud_type === '*',
      )
      .reduce((s, r) => s + Number(r.n), 0);
    assert.ok(total >= 5000, `flags counted: ${total}`);
    assert.ok(new Set(daily.map((r) => r.day)).size >= 3, 'the flags fall on three China days');
    await db.admin.query('SELECT stats_rebuild()');
    assert.deepEqual(await rollups('stats_daily'), daily);
    assert.deepEqual(await rollups('stats_monthly'), monthly);
  });

  it('gives transfer_flags version-7 ids: the time in the first 48 bits, in order of making', async () => {
    const before = Date.now();
    // Made one per row, in row order (a volatile function in the select list).
    const rows = (await db.admin.query(
      `SELECT uuid_v7() AS id, g FROM generate_series(1, 2000) g ORDER BY g`,
    )) as { id: string }[];
    const after = Date.now();
    const ids = rows.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, id);
      const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      assert.ok(
        ms >= before - 1000 && ms <= after + 1000,
        `${id}: ${ms} not in [${before}, ${after}]`,
      );
    }
    const stamps = ids.map((id) => id.slice(0, 13));
    assert.deepEqual([...stamps].sort(), stamps, 'the time part never goes back');
    const [{ column_default }] = (await db.admin.query(
      `SELECT column_default FROM information_schema.columns
       WHERE table_name = 'transfer_flags' AND column_name = 'id'`,
    )) as { column_default: string }[];
    assert.equal(column_default, 'uuid_v7()');
  });

  it('keeps card numbers on flags to 12–19 ASCII digits', async () => {
    const [bank] = (await db.admin.query(`SELECT id FROM units WHERE kind = 'bank' LIMIT 1`)) as {
      id: string;
    }[];
    const insert = (payer: string, payee: string) =>
      db.admin.query(
        `INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payee_account,
           amount_fen, occurred_at, reason, submitted_by_kind, submitted_by_id)
         VALUES ($1, gen_random_uuid()::text, $2, $3, 100, now(), '测试', 'api_key', gen_random_uuid())`,
        [bank.id, payer, payee],
      );
    const ok = '6217000000000001';
    for (const good of ['621700000000', '6217000000000000001']) {
      await insert(good, ok);
      await insert(ok, good);
    }
    for (const bad of [
      '62170000000',
      '62170000000000000001',
      '',
      '6217 000000000001',
      '621700000000000A',
      '６２１７０００００００００００１',
      '٦٢١٧٠٠٠٠٠٠٠٠٠٠٠١',
      '-621700000000001',
    ]) {
      for (const [payer, payee, constraint] of [
        [bad, ok, 'transfer_flags_payer_account_check'],
        [ok, bad, 'transfer_flags_payee_account_check'],
      ]) {
        await assert.rejects(
          insert(payer, payee),
          (err: { code?: string; constraint?: string }) => {
            assert.equal(err.code, '23514', bad);
            assert.equal(err.constraint, constraint, bad);
            return true;
          },
        );
      }
    }
  });
});
