import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  COPY_STAGING_SQL,
  STORE_CHUNK_SQL,
  TransferFlagFilesRepository,
} from '../../../src/cases/transfer-flags/files/transfer-flag-files.repository.js';
import { explain, openRepoDb, planSummary, RepoDb } from '../repo-db.js';

/** A card no seeded or arranged case names: a flag paying into it hits nothing. */
const NO_CASE_CARD = '6217000010009999999';

/** A staged row in COPY's text format: valid (normalized values) or invalid (its problems). */
function staged(
  fileId: string,
  rowNo: number,
  ref: string,
  problems: string | null = null,
  payee = NO_CASE_CARD,
): string {
  const cols = problems
    ? [ref, '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', problems]
    : [
        ref,
        '6212262402001234567',
        '王某某',
        payee,
        '\\N',
        '\\N',
        '100',
        '2026-11-21T02:02:00.000Z',
        '原因',
        '\\N',
      ];
  return `${fileId}\t${rowNo}\t${cols.join('\t')}\n`;
}

describe('TransferFlagFilesRepository', () => {
  let db: RepoDb;
  let repo: TransferFlagFilesRepository;
  let icbc = '';
  let ccb = '';
  let liaison = '';

  /** A file of ICBC with the given staged lines, COPYed in as the upload does (app role). */
  async function fileWith(lines: string[]): Promise<string> {
    const qr = db.ds.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    try {
      await qr.startTransaction();
      const id = await repo.insertFile(qr.manager, {
        bankUnitId: icbc,
        submittedBy: { kind: 'user', id: liaison },
        filename: 'f.csv',
        encoding: 'utf-8',
      });
      await pipeline(
        Readable.from(lines.map((l) => l.replace('FILE', id))),
        client.query(copyFrom(COPY_STAGING_SQL)),
      );
      await repo.uploaded(qr.manager, id, {
        sizeBytes: 100,
        rowsTotal: lines.length,
        encoding: 'utf-8',
      });
      await qr.commitTransaction();
      return id;
    } finally {
      await qr.release();
    }
  }

  beforeAll(async () => {
    db = await openRepoDb();
    repo = new TransferFlagFilesRepository(db.ds);
    icbc = await db.unitId('ICBC-GY');
    ccb = await db.unitId('CCB-GZ');
    liaison = await db.userId('liu.icbc');
  });
  afterAll(() => db.close());

  it('marks repeats within a file among its valid rows only: the first valid row of a reference is kept', async () => {
    const id = await fileWith([
      staged('FILE', 2, 'A', '[{"field":"payeeAccount","problem":"x"}]'),
      staged('FILE', 3, 'A'),
      staged('FILE', 4, 'B'),
      staged('FILE', 5, 'A'),
      staged('FILE', 6, 'A'),
      staged('FILE', 7, 'C\\tD'),
    ]);
    await db.ds.transaction((em) => repo.startProcessing(em, id));
    const rows = (await db.admin.query(
      `SELECT row_no, external_ref, duplicate_of FROM transfer_flag_file_rows WHERE file_id = $1 ORDER BY row_no`,
      [id],
    )) as { row_no: number; external_ref: string; duplicate_of: number | null }[];
    assert.deepEqual(
      rows.map((r) => [r.row_no, r.external_ref, r.duplicate_of]),
      [
        [2, 'A', null],
        [3, 'A', null],
        [4, 'B', null],
        [5, 'A', 3],
        [6, 'A', 3],
        [7, 'C\tD', null],
      ],
    );
    const [f] = (await db.admin.query(
      `SELECT status, started_at FROM transfer_flag_files WHERE id = $1`,
      [id],
    )) as {
      status: string;
      started_at: Date | null;
    }[];
    assert.equal(f.status, 'processing');
    assert.ok(f.started_at);
  });

  /** The job's view of a file of ICBC sent by its liaison. */
  const file = (id: string) => ({
    id,
    bank_unit_id: icbc,
    submitted_by_kind: 'user' as const,
    submitted_by_id: liaison,
  });

  it('stores chunks in row order, each out of staging into flags; counts add up or the row is refused', async () => {
    const id = await fileWith(Array.from({ length: 7 }, (_, i) => staged('FILE', i + 2, `R${i}`)));
    const first = await db.ds.transaction((em) => repo.storeChunk(em, file(id), 3));
    assert.deepEqual(first, {
      counts: { rows: 3, accepted: 3, rejected: 0, duplicates: 0, hits: 0 },
      hits: [],
    });
    const left = async () =>
      (
        (await db.admin.query(
          `SELECT row_no FROM transfer_flag_file_rows WHERE file_id = $1 ORDER BY row_no`,
          [id],
        )) as { row_no: number }[]
      ).map((r) => r.row_no);
    assert.deepEqual(await left(), [5, 6, 7, 8]);
    const [stored] = (await db.admin.query(
      `SELECT payer_name, amount_fen::text, occurred_at, submitted_by_kind, submitted_by_id
       FROM transfer_flags WHERE bank_unit_id = $1 AND external_ref = 'R0'`,
      [icbc],
    )) as {
      payer_name: string;
      amount_fen: string;
      occurred_at: Date;
      submitted_by_kind: string;
      submitted_by_id: string;
    }[];
    assert.deepEqual(
      [stored.payer_name, stored.amount_fen, stored.occurred_at.toISOString()],
      ['王某某', '100', '2026-11-21T02:02:00.000Z'],
    );
    assert.deepEqual([stored.submitted_by_kind, stored.submitted_by_id], ['user', liaison]);
    const rest = await db.ds.transaction((em) => repo.storeChunk(em, file(id), 10));
    assert.equal(rest.counts.rows, 4);
    assert.deepEqual(await left(), []);
    const none = await db.ds.transaction((em) => repo.storeChunk(em, file(id), 10));
    assert.equal(none.counts.rows, 0);

    await db.ds.transaction((em) =>
      repo.advance(em, id, {
        rows: 7,
        accepted: 5,
        rejected: 1,
        duplicates: 1,
        hits: 2,
        dissuasions: 1,
      }),
    );
    const f = await repo.findOfBank(id, icbc);
    assert.deepEqual([f?.rows_done, f?.accepted, f?.hits], [7, 5, 2]);
    await assert.rejects(
      db.ds.transaction((em) =>
        repo.advance(em, id, {
          rows: 0,
          accepted: 1,
          rejected: 0,
          duplicates: 0,
          hits: 0,
          dissuasions: 0,
        }),
      ),
      /check constraint/,
    );
    await db.ds.transaction((em) => repo.finish(em, id, 'done', null));
    assert.equal((await repo.findOfBank(id, icbc))?.status, 'done');
  });

  it('a chunk answers every row: problems in order, repeats in the file, references sent before; new hits with their flag', async () => {
    // A case naming a card, arranged directly: a flag paying into it is a hit.
    const card = '6222029876543210987';
    const [c] = (await db.admin.query(
      `INSERT INTO cases (case_no, fraud_type, status, summary, reported_at, unit_id, loss_fen)
       SELECT 'RF-2026-0001', code, 'reported', '测试', '2026-11-20T10:00:00+08:00', $1, 100
       FROM fraud_types LIMIT 1 RETURNING id`,
      [await db.unitId('GY-YY-WA')],
    )) as { id: string }[];
    await db.admin.query(
      `WITH i AS (INSERT INTO identifiers (kind, value) VALUES ('bank_card', $2) RETURNING id)
       INSERT INTO case_identifiers (case_id, identifier_id) SELECT $1, id FROM i`,
      [c.id, card],
    );
    const before = await fileWith([staged('FILE', 2, 'SENT-1')]);
    await db.ds.transaction((em) => repo.storeChunk(em, file(before), 10));
    const [earlier] = (await db.admin.query(
      `SELECT id FROM transfer_flags WHERE bank_unit_id = $1 AND external_ref = 'SENT-1'`,
      [icbc],
    )) as { id: string }[];

    const id = await fileWith([
      staged('FILE', 2, 'N-1', null, card),
      staged(
        'FILE',
        3,
        'BAD',
        '[{"field":"amountFen","problem":"a"},{"field":"reason","problem":"b"}]',
      ),
      staged('FILE', 4, 'SENT-1'),
      staged('FILE', 5, 'N-1'),
      staged('FILE', 6, 'N-2'),
    ]);
    await db.ds.transaction((em) => repo.startProcessing(em, id));
    const stored = await db.ds.transaction((em) => repo.storeChunk(em, file(id), 10));
    assert.deepEqual(stored.counts, { rows: 5, accepted: 2, rejected: 1, duplicates: 2, hits: 1 });
    assert.equal(stored.hits.length, 1);
    const [hit] = stored.hits;
    assert.equal(hit.case_id, c.id);
    assert.equal(hit.payer_account, '6212262402001234567');
    assert.equal(hit.payer_name, '王某某');
    assert.equal(hit.amount_fen, 100);
    assert.equal(hit.case_reported_at.toISOString(), '2026-11-20T02:00:00.000Z');
    const [n1] = (await db.admin.query(
      `SELECT f.id FROM transfer_flags f JOIN transfer_hits h ON h.flag_id = f.id
       WHERE f.bank_unit_id = $1 AND f.external_ref = 'N-1'`,
      [icbc],
    )) as { id: string }[];
    assert.equal(hit.flag_id, n1.id);

    const p = await repo.problemsPage(id, null, 100);
    assert.deepEqual(
      p.map((r) => [r.row_no, r.ord, r.external_ref, r.field, r.problem]),
      [
        [3, 0, 'BAD', 'amountFen', 'a'],
        [3, 1, 'BAD', 'reason', 'b'],
        [
          4,
          0,
          'SENT-1',
          'externalRef',
          `already sent by this bank (flag ${earlier.id}): nothing changed`,
        ],
        [5, 0, 'N-1', 'externalRef', 'duplicate of row 2 of this file'],
      ],
    );
    for (const f of [before, id]) await db.ds.transaction((em) => repo.finish(em, f, 'done', null));
  });

  it('a file is found only with its own bank', async () => {
    const id = await fileWith([staged('FILE', 2, 'X')]);
    assert.ok(await repo.findOfBank(id, icbc));
    assert.equal(await repo.findOfBank(id, ccb), null);
  });

  it('problems page through in (row, ord) order', async () => {
    const id = await fileWith([staged('FILE', 2, 'P')]);
    await db.admin.query(
      `INSERT INTO transfer_flag_file_problems (file_id, row_no, ord, external_ref, field, problem)
       VALUES ($1, 9, 0, 'Z', 'externalRef', 'dup'), ($1, 3, 1, NULL, 'reason', 'b'),
              ($1, 3, 0, NULL, 'amountFen', 'a')`,
      [id],
    );
    const p1 = await repo.problemsPage(id, null, 2);
    assert.deepEqual(
      p1.map((p) => [p.row_no, p.ord, p.field]),
      [
        [3, 0, 'amountFen'],
        [3, 1, 'reason'],
      ],
    );
    const p2 = await repo.problemsPage(id, { rowNo: 3, ord: 1 }, 2);
    assert.deepEqual(
      p2.map((p) => [p.row_no, p.ord, p.external_ref]),
      [[9, 0, 'Z']],
    );
  });

  it('one upload per bank at a time: a second transaction cannot take the lock until the first ends', async () => {
    const a = db.ds.createQueryRunner();
    const b = db.ds.createQueryRunner();
    try {
      await a.startTransaction();
      await b.startTransaction();
      assert.equal(await repo.tryLockBankUpload(a.manager, icbc), true);
      assert.equal(await repo.tryLockBankUpload(b.manager, icbc), false);
      assert.equal(await repo.tryLockBankUpload(b.manager, ccb), true, 'another bank is not held');
      await a.commitTransaction();
      await b.rollbackTransaction();
      await b.startTransaction();
      assert.equal(await repo.tryLockBankUpload(b.manager, icbc), true, 'released at commit');
      await b.rollbackTransaction();
    } finally {
      await a.release();
      await b.release();
    }
    assert.equal(await db.ds.transaction((em) => repo.unfinishedCount(em, icbc)), 3);
  });

  it('storing a chunk reads the staging rows by their primary key, not the whole table', async () => {
    const id = await fileWith(
      Array.from({ length: 50_000 }, (_, i) => staged('FILE', i + 2, `Q${i}`)),
    );
    await db.admin.query('ANALYZE transfer_flag_file_rows');
    const plan = planSummary(
      await explain(db.ds, STORE_CHUNK_SQL, [id, 10_000, icbc, 'user', liaison]),
    );
    assert.ok(!plan.seqScans.includes('transfer_flag_file_rows'), JSON.stringify(plan));
    assert.ok(plan.indexes.includes('transfer_flag_file_rows_pkey'), JSON.stringify(plan));
  });
});
