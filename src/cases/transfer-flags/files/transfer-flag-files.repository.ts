import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { parseFenFromDb } from '../../../common/money.js';
import type { NewHitWithFlag } from '../transfer-flags.repository.js';
import type { FileEncoding } from './flag-file-format.js';

export type FlagFileStatus = 'queued' | 'processing' | 'done' | 'failed';

export interface FlagFileRow {
  id: string;
  bank_unit_id: string;
  submitted_by_kind: 'user' | 'api_key';
  submitted_by_id: string;
  filename: string | null;
  encoding: FileEncoding;
  size_bytes: string;
  status: FlagFileStatus;
  rows_total: number;
  rows_done: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  hits: number;
  dissuasions: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ProblemRow {
  row_no: number;
  ord: number;
  external_ref: string | null;
  field: string;
  problem: string;
}

export interface ChunkCounts {
  rows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  hits: number;
  dissuasions: number;
}

/** What storing one chunk did: its counts (tasks are opened after) and its new hits. */
export interface StoredChunk {
  counts: Omit<ChunkCounts, 'dissuasions'>;
  hits: NewHitWithFlag[];
}

/** The staging columns, in the order the upload writes them in COPY's text format. */
export const STAGING_COLUMNS = [
  'file_id',
  'row_no',
  'external_ref',
  'payer_account',
  'payer_name',
  'payee_account',
  'payee_name',
  'payee_bank',
  'amount_fen',
  'occurred_at',
  'reason',
  'problems',
] as const;

/** The upload's COPY: text format (tab-separated, \N for NULL), the cheapest for PostgreSQL to read. */
export const COPY_STAGING_SQL = `COPY transfer_flag_file_rows (${STAGING_COLUMNS.join(', ')}) FROM STDIN`;

/**
 * Stores the next rows of a file, those numbered from its lowest staged row to $2 past it, in one
 * statement, all set-based in PostgreSQL (no row travels to Node): takes them out of staging;
 * inserts the valid, first-of-their-reference ones as flags of the bank ($3, sent by $4/$5) in the
 * order of the unique key, skipping references the bank sent before; inserts the hits of the new
 * flags on cases naming their payee card; writes the per-row answers (each problem of an invalid
 * row, in its order; a repeat within the file; a reference the bank sent before, with that flag's
 * id when this statement's snapshot sees it). Answers the counts and the new hits with what their
 * dissuasion task needs. Every CTE sees the snapshot of the statement's start, so `sent` reads the
 * flags as they were before `f` inserted: exactly those sent before. No join between two CTEs
 * that may both be chunk-sized: the planner estimates a CTE at a row or so and nested-loops it.
 */
export const STORE_CHUNK_SQL = `WITH first AS (
    SELECT min(row_no) AS n FROM transfer_flag_file_rows WHERE file_id = $1),
  chunk AS (
    DELETE FROM transfer_flag_file_rows
    WHERE file_id = $1 AND row_no >= (SELECT n FROM first) AND row_no < (SELECT n FROM first) + $2
    RETURNING row_no, external_ref, payer_account, payer_name, payee_account, payee_name,
              payee_bank, amount_fen, occurred_at, reason, problems, duplicate_of),
  f AS (
    INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payer_name,
      payee_account, payee_name, payee_bank, amount_fen, occurred_at, reason,
      submitted_by_kind, submitted_by_id)
    SELECT $3::uuid, external_ref, payer_account, payer_name, payee_account, payee_name,
           payee_bank, amount_fen, occurred_at, reason, $4::text, $5::uuid
    FROM chunk WHERE problems IS NULL AND duplicate_of IS NULL
    ORDER BY external_ref
    ON CONFLICT (bank_unit_id, external_ref) DO NOTHING
    RETURNING id, external_ref, payee_account, payer_account, payer_name, amount_fen),
  -- The hits of the new flags, their ids made here so the answer needs no join back to h (the
  -- flags are new: no (flag, case) pair can exist already).
  hm AS (
    SELECT gen_random_uuid() AS id, f.id AS flag_id, i.id AS identifier_id, ci.case_id,
           f.payer_account, f.payer_name, f.amount_fen
    FROM f
    JOIN identifiers i ON i.kind = 'bank_card' AND i.value = f.payee_account
    JOIN case_identifiers ci ON ci.identifier_id = i.id),
  h AS (
    INSERT INTO transfer_hits (id, flag_id, identifier_id, case_id)
    SELECT id, flag_id, identifier_id, case_id FROM hm
    RETURNING id),
  -- Valid rows the INSERT skipped: grouped with the new flags by reference rather than joined
  -- to them, because the planner, blind to a CTE's size, nested-looped that anti-join
  -- (quadratic in the chunk). The bank's earlier flag is read in the statement's snapshot.
  skipped AS (
    SELECT external_ref, max(row_no) AS row_no
    FROM (SELECT external_ref, row_no FROM chunk WHERE problems IS NULL AND duplicate_of IS NULL
          UNION ALL SELECT external_ref, NULL FROM f) u
    GROUP BY external_ref HAVING count(*) = 1 AND max(row_no) IS NOT NULL),
  sent AS (
    SELECT s.row_no, s.external_ref, t.id AS flag_id
    FROM skipped s
    LEFT JOIN transfer_flags t ON t.bank_unit_id = $3 AND t.external_ref = s.external_ref),
  p AS (
    INSERT INTO transfer_flag_file_problems (file_id, row_no, ord, external_ref, field, problem)
    SELECT $1, c.row_no, e.ord - 1, c.external_ref, e.p->>'field', e.p->>'problem'
    FROM chunk c, json_array_elements(c.problems::json) WITH ORDINALITY AS e(p, ord)
    WHERE c.problems IS NOT NULL
    UNION ALL
    SELECT $1, c.row_no, 0, c.external_ref, 'externalRef',
           'duplicate of row ' || c.duplicate_of || ' of this file'
    FROM chunk c WHERE c.problems IS NULL AND c.duplicate_of IS NOT NULL
    UNION ALL
    SELECT $1, s.row_no, 0, s.external_ref, 'externalRef',
           CASE WHEN s.flag_id IS NULL THEN 'already sent by this bank: nothing changed'
                ELSE 'already sent by this bank (flag ' || s.flag_id || '): nothing changed' END
    FROM sent s)
  SELECT (SELECT count(*) FROM chunk)::int AS rows,
         (SELECT count(*) FROM chunk WHERE problems IS NOT NULL)::int AS rejected,
         (SELECT count(*) FROM f)::int AS accepted,
         (SELECT count(*) FROM h)::int AS hits,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', hm.id, 'flag_id', hm.flag_id, 'identifier_id', hm.identifier_id,
                   'case_id', hm.case_id, 'case_unit_id', c.unit_id,
                   'case_reported_at', c.reported_at, 'payer_account', hm.payer_account,
                   'payer_name', hm.payer_name, 'amount_fen', hm.amount_fen::text)), '[]')
          FROM hm JOIN cases c ON c.id = hm.case_id) AS hit_rows`;

/** Sort memory for the one statement that sorts a whole file (by externalRef, to find repeats). */
const DEDUP_WORK_MEM = '64MB';

/** Every query of banks' daily files; the flags themselves go through TransferFlagsRepository. */
@Injectable()
export class TransferFlagFilesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * One upload per bank at a time (a transaction-scoped advisory lock: released by commit,
   * rollback or a dropped connection, so a crash never leaves it held). False if another holds it.
   */
  async tryLockBankUpload(em: EntityManager, bankUnitId: string): Promise<boolean> {
    const rows: { locked: boolean }[] = await em.query(
      `SELECT pg_try_advisory_xact_lock(hashtext('transfer_flag_files'), hashtext($1)) AS locked`,
      [bankUnitId],
    );
    return rows[0].locked;
  }

  /** Files of the bank uploaded and not yet processed: their staging rows are on disk. */
  async unfinishedCount(em: EntityManager, bankUnitId: string): Promise<number> {
    const rows: { n: number }[] = await em.query(
      `SELECT count(*)::int AS n FROM transfer_flag_files
       WHERE bank_unit_id = $1 AND status IN ('queued', 'processing')`,
      [bankUnitId],
    );
    return rows[0].n;
  }

  async insertFile(
    em: EntityManager,
    f: {
      bankUnitId: string;
      submittedBy: { kind: 'user' | 'api_key'; id: string };
      filename: string | null;
      encoding: FileEncoding;
    },
  ): Promise<string> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO transfer_flag_files (bank_unit_id, submitted_by_kind, submitted_by_id, filename,
         encoding, size_bytes, status, rows_total)
       VALUES ($1, $2, $3, $4, $5, 0, 'queued', 0) RETURNING id`,
      [f.bankUnitId, f.submittedBy.kind, f.submittedBy.id, f.filename, f.encoding],
    );
    return rows[0].id;
  }

  /** The upload is complete: its size, its data rows and the encoding it was read in. */
  async uploaded(
    em: EntityManager,
    id: string,
    u: { sizeBytes: number; rowsTotal: number; encoding: FileEncoding },
  ): Promise<void> {
    await em.query(
      `UPDATE transfer_flag_files SET size_bytes = $2, rows_total = $3, encoding = $4 WHERE id = $1`,
      [id, u.sizeBytes, u.rowsTotal, u.encoding],
    );
  }

  /** A file of the bank, or null (another bank's file is as absent as a missing one). */
  async findOfBank(
    id: string,
    bankUnitId: string,
    em: EntityManager = this.ds.manager,
  ): Promise<FlagFileRow | null> {
    const rows: FlagFileRow[] = await em.query(
      `SELECT * FROM transfer_flag_files WHERE id = $1 AND bank_unit_id = $2`,
      [id, bankUnitId],
    );
    return rows[0] ?? null;
  }

  /** The file with a row lock, for the job (one runner per file at a time). */
  async lockFile(em: EntityManager, id: string): Promise<FlagFileRow | null> {
    const rows: FlagFileRow[] = await em.query(
      `SELECT * FROM transfer_flag_files WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Marks every valid row whose externalRef an earlier valid row of the same file has (the first
   * one is the one stored), in one statement over the whole file; moves the file to processing.
   */
  async startProcessing(em: EntityManager, fileId: string): Promise<void> {
    await em.query(`SET LOCAL work_mem = '${DEDUP_WORK_MEM}'`);
    // The staging table's statistics are those of whatever it held when last analyzed (often
    // nothing): with them the planner joined the file's rows to themselves in a nested loop,
    // minutes for 50,000 rows. A hash or merge join is linear whatever the statistics say.
    await em.query(`SET LOCAL enable_nestloop = off`);
    await em.query(
      `UPDATE transfer_flag_file_rows s SET duplicate_of = d.first_row
       FROM (SELECT row_no, min(row_no) OVER (PARTITION BY external_ref) AS first_row
             FROM transfer_flag_file_rows WHERE file_id = $1 AND problems IS NULL) d
       WHERE s.file_id = $1 AND s.row_no = d.row_no AND d.row_no <> d.first_row`,
      [fileId],
    );
    await em.query(
      `UPDATE transfer_flag_files SET status = 'processing', started_at = now() WHERE id = $1`,
      [fileId],
    );
  }

  /**
   * Stores the next `span` row numbers of the file (STORE_CHUNK_SQL): the staging table empties as
   * the job goes, and a job that runs again after a crash carries on where the last committed
   * chunk ended. `rows` is 0 when nothing is left.
   */
  async storeChunk(
    em: EntityManager,
    f: Pick<FlagFileRow, 'id' | 'bank_unit_id' | 'submitted_by_kind' | 'submitted_by_id'>,
    span: number,
  ): Promise<StoredChunk> {
    const [r]: {
      rows: number;
      rejected: number;
      accepted: number;
      hits: number;
      hit_rows: (Omit<NewHitWithFlag, 'case_reported_at' | 'amount_fen'> & {
        case_reported_at: string;
        amount_fen: string;
      })[];
    }[] = await em.query(STORE_CHUNK_SQL, [
      f.id,
      span,
      f.bank_unit_id,
      f.submitted_by_kind,
      f.submitted_by_id,
    ]);
    return {
      counts: {
        rows: r.rows,
        accepted: r.accepted,
        rejected: r.rejected,
        duplicates: r.rows - r.rejected - r.accepted,
        hits: r.hits,
      },
      hits: r.hit_rows.map((h) => ({
        ...h,
        case_reported_at: new Date(h.case_reported_at),
        amount_fen: parseFenFromDb(h.amount_fen),
      })),
    };
  }

  /** Adds a chunk's counts to the file's progress, in the chunk's transaction. */
  async advance(em: EntityManager, fileId: string, c: ChunkCounts): Promise<void> {
    await em.query(
      `UPDATE transfer_flag_files SET rows_done = rows_done + $2, accepted = accepted + $3,
         rejected = rejected + $4, duplicates = duplicates + $5, hits = hits + $6,
         dissuasions = dissuasions + $7
       WHERE id = $1`,
      [fileId, c.rows, c.accepted, c.rejected, c.duplicates, c.hits, c.dissuasions],
    );
  }

  async finish(
    em: EntityManager,
    fileId: string,
    status: 'done' | 'failed',
    error: string | null,
  ): Promise<void> {
    await em.query(
      `UPDATE transfer_flag_files SET status = $2, error = $3, finished_at = now() WHERE id = $1`,
      [fileId, status, error],
    );
    // A failed file's leftover rows are of no use any more.
    if (status === 'failed') {
      await em.query(`DELETE FROM transfer_flag_file_rows WHERE file_id = $1`, [fileId]);
    }
  }

  /** Per-row answers in row order, one page after the (row, ord) given (keyset). */
  problemsPage(
    fileId: string,
    after: { rowNo: number; ord: number } | null,
    limit: number,
  ): Promise<ProblemRow[]> {
    return this.ds.query(
      `SELECT row_no, ord, external_ref, field, problem FROM transfer_flag_file_problems
       WHERE file_id = $1 AND ($2::int IS NULL OR (row_no, ord) > ($2::int, $3::smallint))
       ORDER BY row_no, ord LIMIT $4`,
      [fileId, after?.rowNo ?? null, after?.ord ?? null, limit],
    );
  }
}
