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
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../../common/auth/actor.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { APP_CONFIG, AppConfig } from '../../../common/config/config.js';
import { CSV_BOM, csvLine } from '../../../common/csv.js';
import { ApiError, conflict } from '../../../common/http/errors.js';
import { OutboxService } from '../../../common/outbox/outbox.service.js';
import { Permits } from '../../../common/permits.js';
import { TransferFlagsRepository } from '../transfer-flags.repository.js';
import { TransferFlagsService } from '../transfer-flags.service.js';
import { TransferFlagFileDto } from './dto/transfer-flag-files.dto.js';
import { EncodingChoice, FlagFileDecoder } from './flag-file-format.js';
import { StagingLines } from './staging-lines.js';
import {
  ChunkCounts,
  COPY_STAGING_SQL,
  FlagFileRow,
  TransferFlagFilesRepository,
} from './transfer-flag-files.repository.js';

/**
 * Row numbers stored per transaction by the job. The rows never leave PostgreSQL, so the size
 * costs the app no memory; it sets how often progress moves and how much a crash redoes, and
 * each chunk pays a few statements and a commit.
 */
export const FILE_CHUNK_ROWS = 50_000;
/** Files of one bank uploaded and not yet processed (their staging rows take disk until then). */
export const MAX_UNFINISHED_FILES = 3;
/** Rows of the problems CSV read per query while it streams out. */
const PROBLEMS_PAGE = 5_000;

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

/**
 * Banks' daily files of suspicious transfers (可疑交易批量文件). The upload streams the CSV
 * through decoding and checking into a staging table with COPY, in one transaction with the file
 * row and the job's outbox event, and answers 202; the job then stores the file in chunks of
 * FILE_CHUNK_ROWS rows, each one SQL statement from staging to flags, hits and per-row answers
 * (TransferFlagFilesRepository.storeChunk), then the chunk's dissuasion tasks and notifications
 * as the JSON batch opens them (TransferFlagsService.openDissuasions), each chunk one transaction
 * with its progress.
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
  ) {
    this.uploads = new Permits(config.flagFiles.uploadsInFlight);
  }

  /** Uploads streaming now in this process, each on a pooled connection. */
  private readonly uploads: Permits;

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
    // An upload holds a pooled connection for as long as the bank sends; uploads arriving together
    // (every bank's end-of-day file) take at most FLAG_FILE_UPLOADS_IN_FLIGHT of them, so the rest
    // of the pool stays with everyone else. A later one waits for a turn as long as a request waits
    // for a connection, without reading its body meanwhile.
    if (!(await this.uploads.takeWithin(1, this.config.databasePool.timeoutMs)))
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'Other banks’ files are being received; send this one again shortly',
        [{ field: 'file', problem: 'other files are being received; send it again shortly' }],
        { 'Retry-After': '10' },
      );
    try {
      return await this.receive(actor, bankId, file, encoding);
    } finally {
      this.uploads.give(1);
    }
  }

  private async receive(
    actor: Actor,
    bankId: string,
    file: { stream: Readable; filename: string | null },
    encoding: EncodingChoice,
  ): Promise<TransferFlagFileDto> {
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
      // On the connection still held, not a second one from the pool.
      const row = await this.repo.findOfBank(fileId, bankId, em);
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
        const counts = await this.storeChunk(em, f);
        if (counts.rows === 0) {
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
        return { progress: { rowsDone: f.rows_done + counts.rows, rowsTotal: f.rows_total } };
      });
      if (!('progress' in step)) return step.status;
      await onProgress(step.progress);
    }
  }

  /** Stores one chunk in SQL, opens the tasks of its hits, adds its counts to the progress. */
  private async storeChunk(em: EntityManager, f: FlagFileRow): Promise<ChunkCounts> {
    const stored = await this.repo.storeChunk(em, f, FILE_CHUNK_ROWS);
    if (stored.counts.rows === 0) return { ...stored.counts, dissuasions: 0 };
    const tasks = await this.flags.openDissuasions(em, stored.hits);
    const counts: ChunkCounts = { ...stored.counts, dissuasions: tasks.size };
    await this.repo.advance(em, f.id, counts);
    return counts;
  }
}
