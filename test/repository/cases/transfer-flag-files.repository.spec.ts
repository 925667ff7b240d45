import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  COPY_STAGING_SQL,
  TAKE_CHUNK_SQL,
  TransferFlagFilesRepository,
} from '../../../src/cases/transfer-flags/files/transfer-flag-files.repository.js';
import { explain, openRepoDb, planSummary, RepoDb } from '../repo-db.js';

/** A staged row in COPY's text format: valid (normalized values) or invalid (its problems). */
function staged(
  fileId: string,
  rowNo: number,
  ref: string,
  problems: string | null = null,
): string {
  const cols = problems
    ? [ref, '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', problems]
    : [
        ref,
        '6212262402001234567',
        '王某某',
        '6222021234567890128',
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

  it('takes chunks in row order and deletes them; counts add up or the row is refused', async () => {
    const id = await fileWith(Array.from({ length: 7 }, (_, i) => staged('FILE', i + 2, `R${i}`)));
    const first = await db.ds.transaction((em) => repo.takeChunk(em, id, 3));
    assert.deepEqual(
      first.map((r) => r.row_no),
      [2, 3, 4],
    );
    assert.equal(first[0].amount_fen, '100');
    assert.equal(first[0].payer_name, '王某某');
    assert.ok(first[0].occurred_at instanceof Date);
    const rest = await db.ds.transaction((em) => repo.takeChunk(em, id, 10));
    assert.deepEqual(
      rest.map((r) => r.row_no),
      [5, 6, 7, 8],
    );
    assert.deepEqual(await db.ds.transaction((em) => repo.takeChunk(em, id, 10)), []);

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

  it('a file is found only with its own bank', async () => {
    const id = await fileWith([staged('FILE', 2, 'X')]);
    assert.ok(await repo.findOfBank(id, icbc));
    assert.equal(await repo.findOfBank(id, ccb), null);
  });

  it('problems page through in (row, ord) order', async () => {
    const id = await fileWith([staged('FILE', 2, 'P')]);
    await db.ds.transaction((em) =>
      repo.insertProblems(em, id, [
        { rowNo: 9, ord: 0, externalRef: 'Z', field: 'externalRef', problem: 'dup' },
        { rowNo: 3, ord: 1, externalRef: null, field: 'reason', problem: 'b' },
        { rowNo: 3, ord: 0, externalRef: null, field: 'amountFen', problem: 'a' },
      ]),
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

  it('taking a chunk reads the staging rows by their primary key, not the whole table', async () => {
    const id = await fileWith(
      Array.from({ length: 50_000 }, (_, i) => staged('FILE', i + 2, `Q${i}`)),
    );
    await db.admin.query('ANALYZE transfer_flag_file_rows');
    const plan = planSummary(await explain(db.ds, TAKE_CHUNK_SQL, [id, 10_000]));
    assert.deepEqual(plan.seqScans, [], JSON.stringify(plan));
    assert.deepEqual(plan.indexes, ['transfer_flag_file_rows_pkey']);
  });
});
