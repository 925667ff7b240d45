import {
  ForbiddenException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ApiError, badRequest, FieldProblem } from '../../common/http/errors.js';
import {
  EVIDENCE_STORAGE,
  EvidenceStorage,
  hashOf,
  newEvidenceKey,
  StoredObject,
} from './evidence-storage.js';
import { CasesRepository } from '../case/cases.repository.js';
import { EvidenceDto } from './dto/evidence.dto.js';
import { EvidenceRepository, EvidenceRow } from './evidence.repository.js';

/** A part of an upload form, as the controller reads it from the multipart body, in order. */
export type FormPart =
  | { kind: 'file'; field: string; filename: string; contentType: string; stream: Readable }
  | { kind: 'field'; field: string; value: string; truncated: boolean };

export const MAX_DESCRIPTION = 2000;
const FORM_FIELDS = 'file, description';

/** The name shown for an uploaded file: no path, no control or format characters, ≤ 255 characters. */
export function displayFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return [...clean].slice(0, 255).join('').trim() || 'unnamed';
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** The client's media type if it is a plain `type/subtype`, else application/octet-stream. */
export function mediaType(raw: string): string {
  const t = raw.trim().toLowerCase();
  return MEDIA_TYPE.test(t) ? t : 'application/octet-stream';
}

/** Reads a part to its end without keeping it, so the rest of the form can be read. */
function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}

interface Received extends StoredObject {
  key: string;
  filename: string;
  contentType: string;
  description: string | null;
}

/**
 * Evidence files (电子数据证据) of a case: stored through EvidenceStorage with the SHA-256 taken
 * while they stream in; every download re-hashes the stored bytes and refuses to serve a file
 * that changed. Uploads, downloads and integrity failures are audited.
 */
@Injectable()
export class EvidenceService {
  private readonly logger = new Logger('Evidence');

  constructor(
    private readonly repo: EvidenceRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    @Inject(EVIDENCE_STORAGE) private readonly storage: EvidenceStorage,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  private async assertCaseInScope(actor: Actor, caseId: string): Promise<void> {
    if (!(await this.cases.findScoped(actor, caseId)))
      throw new NotFoundException('Case not found');
  }

  private toDto(r: EvidenceRow): EvidenceDto {
    return {
      id: r.id,
      caseId: r.case_id,
      filename: r.filename,
      contentType: r.content_type,
      size: Number(r.size_bytes),
      sha256: r.sha256,
      description: r.description,
      uploadedById: r.uploaded_by,
      uploadedAt: r.created_at.toISOString(),
    };
  }

  /**
   * Reads the whole form, storing the one `file` part as it streams in. Every part is consumed even
   * after a problem, so the client's request ends normally; on any problem nothing stays stored.
   */
  private async receive(form: AsyncIterable<FormPart>): Promise<Received> {
    const problems: unknown[] = [];
    let file: Omit<Received, 'description'> | null = null;
    let description: string | null = null;
    try {
      for await (const part of form) {
        if (part.kind === 'field') {
          if (part.field === 'description') {
            if (part.truncated || [...part.value].length > MAX_DESCRIPTION)
              problems.push(
                badRequest('description', `must be at most ${MAX_DESCRIPTION} characters`),
              );
            else description = part.value.trim() || null;
          } else if (part.field === 'file') {
            problems.push(badRequest('file', 'must be a file (a part with a filename)'));
          } else {
            problems.push(badRequest(part.field, `is not a field of this form (${FORM_FIELDS})`));
          }
          continue;
        }
        if (part.field !== 'file') {
          problems.push(badRequest(part.field, `is not a field of this form (${FORM_FIELDS})`));
        } else if (file) {
          problems.push(badRequest('file', 'must be exactly one file'));
        }
        if (part.field !== 'file' || file || problems.length) {
          discard(part.stream);
          continue;
        }
        const key = newEvidenceKey();
        try {
          const stored = await this.storage.put(key, part.stream);
          file = {
            key,
            ...stored,
            filename: displayFilename(part.filename),
            contentType: mediaType(part.contentType),
          };
        } catch (err) {
          problems.push(err);
          discard(part.stream);
        }
      }
    } catch (err) {
      problems.push(err);
    }
    if (!problems.length && !file)
      problems.push(badRequest('file', 'is required: one file in a multipart field named file'));
    if (!problems.length && file?.size === 0) problems.push(badRequest('file', 'is empty'));
    if (problems.length) {
      if (file) await this.storage.remove(file.key);
      throw problems[0];
    }
    return { ...file!, description };
  }

  /** 上传证据: the file is stored first, then its row and audit entry commit together. */
  async upload(actor: Actor, caseId: string, form: AsyncIterable<FormPart>): Promise<EvidenceDto> {
    if (actor.kind !== 'user') throw new ForbiddenException('Evidence is uploaded by a user');
    await this.assertCaseInScope(actor, caseId);
    const got = await this.receive(form);
    try {
      const row = await this.ds.transaction(async (em) => {
        const r = await this.repo.insert(em, {
          caseId,
          filename: got.filename,
          contentType: got.contentType,
          sizeBytes: got.size,
          sha256: got.sha256,
          storageKey: got.key,
          description: got.description,
          uploadedBy: actor.id,
        });
        await this.audit.record(em, {
          action: 'evidence.upload',
          entity: 'evidence',
          entityId: r.id,
          details: {
            caseId,
            filename: got.filename,
            contentType: got.contentType,
            size: got.size,
            sha256: got.sha256,
          },
        });
        return r;
      });
      return this.toDto(row);
    } catch (err) {
      await this.storage.remove(got.key);
      throw err;
    }
  }

  async list(actor: Actor, caseId: string): Promise<EvidenceDto[]> {
    await this.assertCaseInScope(actor, caseId);
    return (await this.repo.listForCase(caseId)).map((r) => this.toDto(r));
  }

  private async integrityFailed(
    row: EvidenceRow,
    actual: StoredObject | null,
    stage: 'before_download' | 'while_streaming',
    actor: Actor,
  ): Promise<FieldProblem[]> {
    const expectedSize = Number(row.size_bytes);
    this.logger.error(
      { evidenceId: row.id, expected: row.sha256, actual: actual?.sha256 ?? null, stage },
      'Evidence integrity check failed',
    );
    await this.audit.record(this.ds.manager, {
      action: 'evidence.integrity_failed',
      entity: 'evidence',
      entityId: row.id,
      details: {
        caseId: row.case_id,
        storageKey: row.storage_key,
        expectedSha256: row.sha256,
        actualSha256: actual?.sha256 ?? null,
        expectedSize,
        actualSize: actual?.size ?? null,
        stage,
        // a streaming failure may be recorded outside the request's context
        requestedBy: actor.id,
      },
    });
    const problems: FieldProblem[] = [
      {
        field: 'sha256',
        problem: `expected ${row.sha256}, actual ${actual?.sha256 ?? 'none (the stored file is missing)'}`,
      },
    ];
    if (actual && actual.size !== expectedSize)
      problems.push({ field: 'size', problem: `expected ${expectedSize}, actual ${actual.size}` });
    return problems;
  }

  /**
   * The stored bytes again, hashed on the way out. The last chunk is held back until the hash is
   * confirmed, so if the file changed after the check the client gets a short (broken) response,
   * never a complete one with the wrong bytes.
   */
  private verifiedStream(row: EvidenceRow, actor: Actor): Readable {
    const source = this.storage.get(row.storage_key);
    const expectedSize = Number(row.size_bytes);
    const fail = (actual: StoredObject) =>
      this.integrityFailed(row, actual, 'while_streaming', actor).then(() => {
        throw new Error(`Evidence ${row.id} changed while it was being served`);
      });
    async function* verified(): AsyncGenerator<Buffer> {
      const hash = createHash('sha256');
      let size = 0;
      let held: Buffer | null = null;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (size > expectedSize) await fail({ size, sha256: 'unknown (longer than stored)' });
        if (held) yield held;
        held = chunk;
      }
      const sha256 = hash.digest('hex');
      if (sha256 !== row.sha256 || size !== expectedSize) await fail({ size, sha256 });
      if (held) yield held;
    }
    return Readable.from(verified(), { objectMode: false });
  }

  /**
   * A download: the stored file is hashed and compared first; a file whose bytes changed is
   * reported (409, audited), never served as good. A good one is audited and streamed.
   */
  async download(
    actor: Actor,
    caseId: string,
    evidenceId: string,
  ): Promise<{ evidence: EvidenceDto; stream: Readable }> {
    await this.assertCaseInScope(actor, caseId);
    const row = await this.repo.findInCase(caseId, evidenceId);
    if (!row) throw new NotFoundException('Evidence not found');
    const actual = (await this.storage.exists(row.storage_key))
      ? await hashOf(this.storage.get(row.storage_key))
      : null;
    if (!actual || actual.sha256 !== row.sha256 || actual.size !== Number(row.size_bytes)) {
      const problems = await this.integrityFailed(row, actual, 'before_download', actor);
      throw new ApiError(HttpStatus.CONFLICT, 'evidence integrity check failed', problems);
    }
    await this.audit.record(this.ds.manager, {
      action: 'evidence.download',
      entity: 'evidence',
      entityId: row.id,
      details: { caseId, filename: row.filename, sha256: row.sha256, size: actual.size },
    });
    return { evidence: this.toDto(row), stream: this.verifiedStream(row, actor) };
  }
}
