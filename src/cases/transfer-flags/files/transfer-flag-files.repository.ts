import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returned } from '../../../common/database/returned.js';
import type { FieldProblem } from '../../../common/http/errors.js';
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

/** One staged row as the job takes it; the flag columns are NULL for an invalid row. */
export interface StagedRow {
  row_no: number;
  external_ref: string | null;
  payer_account: string | null;
  payer_name: string | null;
  payee_account: string | null;
  payee_name: string | null;
  payee_bank: string | null;
  amount_fen: string | null;
  occurred_at: Date | null;
  reason: string | null;
  problems: string | null;
  duplicate_of: number | null;
}

/** One per-row answer: a problem of an invalid row, or why a row was a duplicate. */
export interface RowProblem extends FieldProblem {
  rowNo: number;
  /** Its place among the row's problems. */
  ord: number;
  externalRef: string | null;
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

/** The next rows of a file by row number ($2 numbers from its first staged row), deleted and returned. */
export const TAKE_CHUNK_SQL = `WITH first AS (SELECT min(row_no) AS n FROM transfer_flag_file_rows WHERE file_id = $1)
  DELETE FROM transfer_flag_file_rows
  WHERE file_id = $1 AND row_no >= (SELECT n FROM first) AND row_no < (SELECT n FROM first) + $2
  RETURNING row_no, external_ref, payer_account, payer_name, payee_account, payee_name,
            payee_bank, amount_fen, occurred_at, reason, problems, duplicate_of`;

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
  async findOfBank(id: string, bankUnitId: string): Promise<FlagFileRow | null> {
    const rows: FlagFileRow[] = await this.ds.query(
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
   * Takes (reads and deletes) the next rows of the file in row order, those numbered from its
   * lowest staged row to `span` past it (fewer rows when the file had blank lines): the staging
   * table empties as the job goes, and a job that runs again after a crash carries on where the
   * last committed chunk ended. A range of the primary key, so an index range scan whatever the
   * table holds.
   */
  async takeChunk(em: EntityManager, fileId: string, span: number): Promise<StagedRow[]> {
    const rows = returned<StagedRow>(await em.query(TAKE_CHUNK_SQL, [fileId, span]));
    return rows.sort((a, b) => a.row_no - b.row_no);
  }

  async insertProblems(
    em: EntityManager,
    fileId: string,
    problems: readonly RowProblem[],
  ): Promise<void> {
    if (!problems.length) return;
    await em.query(
      `INSERT INTO transfer_flag_file_problems (file_id, row_no, ord, external_ref, field, problem)
       SELECT $1, p.* FROM unnest($2::int[], $6::smallint[], $3::text[], $4::text[], $5::text[])
         AS p(row_no, ord, external_ref, field, problem)`,
      [
        fileId,
        problems.map((p) => p.rowNo),
        problems.map((p) => p.externalRef),
        problems.map((p) => p.field),
        problems.map((p) => p.problem),
        problems.map((p) => p.ord),
      ],
    );
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
