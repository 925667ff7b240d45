import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Banks' daily files of suspicious transfers (POST /transfer-flags/files): one row per file with
 * its progress, the staging rows its upload COPYs in, and the per-row answers (problems and
 * duplicates) the bank downloads as CSV.
 *
 * The staging table is UNLOGGED: it is written once by COPY and emptied chunk by chunk as the job
 * stores the flags, so writing it to the WAL too would double the cost of the upload for rows that
 * live minutes. The price: after a PostgreSQL crash its rows are gone, and the job marks a file
 * that was not finished `failed` (the bank sends it again; re-sent rows are duplicates, harmless).
 * No foreign key either (a per-row check during COPY); the job deletes what it reads.
 */
export class TransferFlagFiles1733800000000 implements MigrationInterface {
  name = 'TransferFlagFiles1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transfer_flag_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        bank_unit_id uuid NOT NULL REFERENCES units(id),
        submitted_by_kind text NOT NULL CHECK (submitted_by_kind IN ('user','api_key')),
        submitted_by_id uuid NOT NULL,
        filename text CHECK (length(filename) <= 255),
        encoding text NOT NULL CHECK (encoding IN ('utf-8','gb18030')),
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        status text NOT NULL CHECK (status IN ('queued','processing','done','failed')),
        rows_total integer NOT NULL CHECK (rows_total >= 0),
        rows_done integer NOT NULL DEFAULT 0 CHECK (rows_done BETWEEN 0 AND rows_total),
        accepted integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        hits integer NOT NULL DEFAULT 0,
        dissuasions integer NOT NULL DEFAULT 0,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        CHECK (accepted + rejected + duplicates = rows_done)
      );
      CREATE INDEX transfer_flag_files_bank_idx
        ON transfer_flag_files (bank_unit_id, created_at DESC, id DESC);

      CREATE UNLOGGED TABLE transfer_flag_file_rows (
        file_id uuid NOT NULL,
        -- The record's number in the file, the header being 1 (as a spreadsheet numbers rows).
        row_no integer NOT NULL,
        -- Normalized values of a valid row; for an invalid one only external_ref (as sent, cut).
        external_ref text,
        payer_account text,
        payer_name text,
        payee_account text,
        payee_name text,
        payee_bank text,
        amount_fen bigint,
        occurred_at timestamptz,
        reason text,
        -- NULL for a valid row, else a JSON array of { field, problem }.
        problems text,
        -- Set by the job: an earlier valid row of the same file has the same external_ref.
        duplicate_of integer,
        PRIMARY KEY (file_id, row_no)
      );

      CREATE TABLE transfer_flag_file_problems (
        file_id uuid NOT NULL REFERENCES transfer_flag_files(id) ON DELETE CASCADE,
        row_no integer NOT NULL,
        -- The problem's place among its row's (a row may have several).
        ord smallint NOT NULL,
        external_ref text,
        field text NOT NULL,
        problem text NOT NULL,
        PRIMARY KEY (file_id, row_no, ord)
      );
    `);
  }

  /**
   * Refuses while a file is queued or processing: the bank was answered 202 for it, its rows are
   * not all flags yet, and dropping the staging table would lose them with no failed status left
   * for the bank to see and send the file again. Once every file is done or failed, only the files'
   * history goes, which the earlier release never had.
   */
  async down(q: QueryRunner): Promise<void> {
    // The lock keeps an app still running from accepting a file between the count and the drop.
    await q.query('LOCK TABLE transfer_flag_files IN ACCESS EXCLUSIVE MODE');
    const [{ n }] = (await q.query(
      `SELECT count(*)::int AS n FROM transfer_flag_files WHERE status IN ('queued', 'processing')`,
    )) as { n: number }[];
    if (n > 0)
      throw new Error(
        `TransferFlagFiles cannot be reverted yet: ${n} bank file(s) are queued or processing, and ` +
          'their rows not yet stored as flags would be lost without the bank knowing. Let the ' +
          'workers finish them, then revert.',
      );
    await q.query(`
      DROP TABLE transfer_flag_file_problems;
      DROP TABLE transfer_flag_file_rows;
      DROP TABLE transfer_flag_files;
    `);
  }
}
