import {
  ForbiddenException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import type { Actor } from '../../../common/auth/actor.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { APP_CONFIG, AppConfig } from '../../../common/config/config.js';
import { CSV_BOM, csvLine } from '../../../common/csv.js';
import { ApiError, badRequest, conflict, FieldProblem } from '../../../common/http/errors.js';
import { parseFenFromDb } from '../../../common/money.js';
import { OutboxService } from '../../../common/outbox/outbox.service.js';
import { checkFlagInput, NormalizedFlag } from '../transfer-flag-input.js';
import { TransferFlagsRepository } from '../transfer-flags.repository.js';
import { TransferFlagsService } from '../transfer-flags.service.js';
import { TransferFlagFileDto } from './dto/transfer-flag-files.dto.js';
import {
  AMOUNT_TEXT_PROBLEM,
  CsvRecords,
  EncodingChoice,
  FlagFileDecoder,
  FlagFileField,
  readHeader,
  recordToFlag,
} from './flag-file-format.js';
import {
  ChunkCounts,
  COPY_STAGING_SQL,
  FlagFileRow,
  RowProblem,
  StagedRow,
  TransferFlagFilesRepository,
} from './transfer-flag-files.repository.js';

/** Rows stored per transaction by the job: the JSON batch's size, so each costs what a batch does. */
export const FILE_CHUNK_ROWS = 10_000;
/** Files of one bank uploaded and not yet processed (their staging rows take disk until then). */
export const MAX_UNFINISHED_FILES = 3;
/** Rows of the problems CSV read per query while it streams out. */
const PROBLEMS_PAGE = 5_000;
/** What is kept of an invalid row's externalRef, for the problems CSV. */
const MAX_REF_KEPT = 100;

/** COPY's text format: backslash escapes for the four characters that would break a line. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** The problems of one record of a file: the JSON API's checker, plus what only CSV can get wrong. */
export function checkRecord(
  fields: readonly FlagFileField[],
  cells: readonly string[],
  cellCount: number,
):
  | { ok: true; flag: NormalizedFlag }
  | { ok: false; externalRef: string | null; problems: FieldProblem[] } {
  if (cellCount !== fields.length) {
    const refAt = fields.indexOf('externalRef');
    return {
      ok: false,
      externalRef: cells[refAt] ?? null,
      problems: [
        { field: 'row', problem: `has ${cellCount} cells; the header has ${fields.length}` },
      ],
    };
  }
  const { raw, amountText } = recordToFlag(fields, cells);
  const checked = checkFlagInput(raw);
  if (checked.ok || !amountText) return checked;
  return {
    ...checked,
    problems: checked.problems.map((p) =>
      p.field === 'amountFen' ? { field: p.field, problem: AMOUNT_TEXT_PROBLEM } : p,
    ),
  };
}

/**
 * Decoded text in, COPY text lines of the staging table out: parses the records, reads the
 * header, checks every data record with the JSON API's rules and writes it normalized (or its
 * problems). Work per input chunk is bounded by the chunk, so a hostile file costs time in slices
 * the event loop interleaves with other requests, and memory stays what one chunk needs.
 */
class StagingLines extends Transform {
  private readonly records = new CsvRecords();
  private fields: FlagFileField[] | null = null;
  rows = 0;

  constructor(
    private readonly fileId: string,
    private readonly maxRows: number,
  ) {
    super({ writableObjectMode: true });
  }

  override _transform(text: string, _enc: BufferEncoding, done: TransformCallback): void {
    this.emit_(this.records.push(text), done);
  }

  override _flush(done: TransformCallback): void {
    this.emit_(this.records.end(), (err) => {
      if (err) return done(err);
      if (this.fields === null) {
        return done(badRequest('file', 'is empty: it needs a header line and data rows'));
      }
      if (this.rows === 0) return done(badRequest('file', 'has a header but no data rows'));
      done();
    });
  }

  private emit_(records: [number, string[], number][], done: TransformCallback): void {
    try {
      let out = '';
      for (const [no, cells, count] of records) {
        if (this.fields === null) {
          this.fields = readHeader(cells.slice(0, count));
          continue;
        }
        if (++this.rows > this.maxRows) {
          throw new ApiError(
            HttpStatus.PAYLOAD_TOO_LARGE,
            `file has more than ${this.maxRows} rows`,
            [{ field: 'file', problem: `must have at most ${this.maxRows} data rows; split it` }],
          );
        }
        out += this.line(no, this.fields, cells, count);
      }
      if (out) this.push(out);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private line(no: number, fields: FlagFileField[], cells: string[], count: number): string {
    const c = checkRecord(fields, cells, count);
    const head = `${this.fileId}\t${no}\t`;
    if (!c.ok) {
      const ref =
        c.externalRef === null
          ? null
          : c.externalRef.replaceAll('\u0000', '').slice(0, MAX_REF_KEPT);
      return `${head}${copyText(ref)}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t${copyText(JSON.stringify(c.problems))}\n`;
    }
    const f = c.flag;
    return (
      head +
      [
        f.externalRef,
        f.payerAccount,
        f.payerName,
        f.payeeAccount,
        f.payeeName,
        f.payeeBank,
        String(f.amountFen),
        f.occurredAt.toISOString(),
        f.reason,
        null,
      ]
        .map(copyText)
        .join('\t') +
      '\n'
    );
  }
}

function toDto(f: FlagFileRow): TransferFlagFileDto {
  return {
    id: f.id,
    status: f.status,
    filename: f.filename,
    encoding: f.encoding,
    sizeBytes: Number(f.size_bytes),
    rowsTotal: f.rows_total,
    rowsDone: f.rows_done,
    accepted: f.accepted,
    rejected: f.rejected,
    duplicates: f.duplicates,
    hits: f.hits,
    dissuasions: f.dissuasions,
    error: f.error,
    createdAt: new Date(f.created_at).toISOString(),
    startedAt: f.started_at ? new Date(f.started_at).toISOString() : null,
    finishedAt: f.finished_at ? new Date(f.finished_at).toISOString() : null,
  };
}

/** A staged valid row as the flag it was checked into. */
function stagedFlag(r: StagedRow): NormalizedFlag {
  return {
    externalRef: r.external_ref ?? '',
    payerAccount: r.payer_account ?? '',
    payerName: r.payer_name,
    payeeAccount: r.payee_account ?? '',
    payeeName: r.payee_name,
    payeeBank: r.payee_bank,
    amountFen: parseFenFromDb(r.amount_fen ?? '0'),
    occurredAt: new Date(r.occurred_at ?? 0),
    reason: r.reason ?? '',
  };
}

/**
 * Banks' daily files of suspicious transfers (可疑交易批量文件). The upload streams the CSV
 * through decoding and checking into a staging table with COPY, in one transaction with the file
 * row and the job's outbox event, and answers 202; the job then stores the file in chunks of
 * 10,000 rows through the same set-based path as the JSON batch (TransferFlagsService.storeFlags:
 * flags, hits, dissuasion tasks, notifications), each chunk one transaction with its progress.
 */
@Injectable()
export class TransferFlagFilesService {
  constructor(
    private readonly repo: TransferFlagFilesRepository,
    private readonly flagsRepo: TransferFlagsRepository,
    private readonly flags: TransferFlagsService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async bankOf(actor: Actor): Promise<string> {
    const bank = await this.flagsRepo.bankOf(actor.unitId);
    if (!bank) throw new ForbiddenException('Only a bank’s liaisons and systems send flag files');
    return bank.id;
  }

  async upload(
    actor: Actor,
    file: { stream: Readable; filename: string | null },
    encoding: EncodingChoice,
  ): Promise<TransferFlagFileDto> {
    const bankId = await this.bankOf(actor);
    const qr = this.ds.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    try {
      await qr.startTransaction();
      const em = qr.manager;
      if (!(await this.repo.tryLockBankUpload(em, bankId))) {
        throw conflict('Another file of this bank is being uploaded', [
          {
            field: 'file',
            problem: 'another file of this bank is being uploaded; send one at a time',
          },
        ]);
      }
      if ((await this.repo.unfinishedCount(em, bankId)) >= MAX_UNFINISHED_FILES) {
        throw conflict('Too many files of this bank wait to be processed', [
          {
            field: 'file',
            problem: `${MAX_UNFINISHED_FILES} files of this bank are still being processed; send this one when one is done`,
          },
        ]);
      }
      const decoder = new FlagFileDecoder(encoding);
      const filename = file.filename ? file.filename.slice(0, 255) : null;
      const fileId = await this.repo.insertFile(em, {
        bankUnitId: bankId,
        submittedBy: { kind: actor.kind, id: actor.id },
        filename,
        encoding: decoder.encoding ?? 'utf-8',
      });
      const staging = new StagingLines(fileId, this.config.flagFiles.maxRows);
      await pipeline(file.stream, decoder, staging, client.query(copyFrom(COPY_STAGING_SQL)));
      await this.repo.uploaded(em, fileId, {
        sizeBytes: decoder.bytes,
        rowsTotal: staging.rows,
        encoding: decoder.encoding ?? 'utf-8',
      });
      await this.outbox.add(em, 'transfer-flag-file-process', { fileId });
      await this.audit.record(em, {
        action: 'transfer_flag_files.upload',
        entity: 'transfer_flag_files',
        entityId: fileId,
        details: { bankUnitId: bankId, filename, bytes: decoder.bytes, rows: staging.rows },
      });
      await qr.commitTransaction();
      const row = await this.repo.findOfBank(fileId, bankId);
      return toDto(row!);
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
  }

  async get(actor: Actor, id: string): Promise<TransferFlagFileDto> {
    const f = await this.repo.findOfBank(id, await this.bankOf(actor));
    if (!f) throw new NotFoundException('No such file of this bank');
    return toDto(f);
  }

  /** The per-row answers as CSV (UTF-8 with BOM, formulas defused), streamed page by page. */
  async problemsCsv(actor: Actor, id: string): Promise<Readable> {
    const f = await this.repo.findOfBank(id, await this.bankOf(actor));
    if (!f) throw new NotFoundException('No such file of this bank');
    const repo = this.repo;
    async function* lines(): AsyncGenerator<string> {
      yield CSV_BOM + csvLine(['row', 'externalRef', 'field', 'problem']);
      let after: { rowNo: number; ord: number } | null = null;
      for (;;) {
        const page = await repo.problemsPage(id, after, PROBLEMS_PAGE);
        if (!page.length) return;
        yield page
          .map((p) => csvLine([String(p.row_no), p.external_ref ?? '', p.field, p.problem]))
          .join('');
        const last = page[page.length - 1];
        after = { rowNo: last.row_no, ord: last.ord };
      }
    }
    return Readable.from(lines());
  }

  /**
   * Runs a file's job: marks the repeats within the file, then stores it chunk by chunk. Safe to
   * run again after a crash (each chunk's rows leave staging in the transaction that stores them
   * and counts them) and at once by two workers (the file row's lock serializes their chunks).
   */
  async process(
    fileId: string,
    onProgress: (p: { rowsDone: number; rowsTotal: number }) => Promise<void> = async () => {},
  ): Promise<FlagFileRow['status'] | null> {
    const start = await this.ds.transaction(async (em) => {
      const f = await this.repo.lockFile(em, fileId);
      if (!f || f.status === 'done' || f.status === 'failed') return f?.status ?? null;
      if (f.status === 'queued') await this.repo.startProcessing(em, fileId);
      return 'processing' as const;
    });
    if (start !== 'processing') return start;
    type Step =
      | { progress: { rowsDone: number; rowsTotal: number } }
      | { status: FlagFileRow['status'] | null };
    for (;;) {
      const step = await this.ds.transaction(async (em): Promise<Step> => {
        const f = await this.repo.lockFile(em, fileId);
        if (!f || f.status !== 'processing') return { status: f?.status ?? null };
        const rows = await this.repo.takeChunk(em, fileId, FILE_CHUNK_ROWS);
        if (!rows.length) {
          // Rows missing from staging: the unlogged table lost them in a database crash.
          const lost = f.rows_done < f.rows_total;
          const error = lost
            ? `暂存数据丢失（数据库重启）：已处理${f.rows_done}行，共${f.rows_total}行；请重新上传该文件，已入库的行将按重复处理`
            : null;
          await this.repo.finish(em, fileId, lost ? 'failed' : 'done', error);
          await this.audit.record(em, {
            action: 'transfer_flag_files.processed',
            entity: 'transfer_flag_files',
            entityId: fileId,
            details: {
              status: lost ? 'failed' : 'done',
              rows: f.rows_total,
              accepted: f.accepted,
              rejected: f.rejected,
              duplicates: f.duplicates,
              hits: f.hits,
              dissuasions: f.dissuasions,
            },
          });
          return { status: lost ? 'failed' : 'done' };
        }
        const counts = await this.storeChunk(em, f, rows);
        return { progress: { rowsDone: f.rows_done + counts.rows, rowsTotal: f.rows_total } };
      });
      if (!('progress' in step)) return step.status;
      await onProgress(step.progress);
    }
  }

  private async storeChunk(
    em: Parameters<TransferFlagsService['storeFlags']>[0],
    f: FlagFileRow,
    rows: readonly StagedRow[],
  ): Promise<ChunkCounts> {
    const problems: RowProblem[] = [];
    const valid: StagedRow[] = [];
    let rejected = 0;
    let duplicates = 0;
    for (const r of rows) {
      if (r.problems !== null) {
        rejected++;
        (JSON.parse(r.problems) as FieldProblem[]).forEach((p, ord) =>
          problems.push({ rowNo: r.row_no, ord, externalRef: r.external_ref, ...p }),
        );
      } else if (r.duplicate_of !== null) {
        duplicates++;
        problems.push({
          rowNo: r.row_no,
          ord: 0,
          externalRef: r.external_ref,
          field: 'externalRef',
          problem: `duplicate of row ${r.duplicate_of} of this file`,
        });
      } else valid.push(r);
    }
    const stored = await this.flags.storeFlags(
      em,
      f.bank_unit_id,
      { kind: f.submitted_by_kind, id: f.submitted_by_id },
      valid.map(stagedFlag),
    );
    for (const r of valid) {
      const ref = r.external_ref ?? '';
      if (stored.created.has(ref)) continue;
      duplicates++;
      const earlier = stored.existing.get(ref);
      problems.push({
        rowNo: r.row_no,
        ord: 0,
        externalRef: ref,
        field: 'externalRef',
        problem: earlier
          ? `already sent by this bank (flag ${earlier}): nothing changed`
          : 'already sent by this bank: nothing changed',
      });
    }
    await this.repo.insertProblems(em, f.id, problems);
    const counts: ChunkCounts = {
      rows: rows.length,
      accepted: stored.created.size,
      rejected,
      duplicates,
      hits: stored.hits,
      dissuasions: stored.dissuasions,
    };
    await this.repo.advance(em, f.id, counts);
    return counts;
  }
}
