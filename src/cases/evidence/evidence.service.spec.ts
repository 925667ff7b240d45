import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import type { AuditEntry, AuditService } from '../../common/audit/audit.service.js';
import type { EvidenceStorage, StoredObject } from './evidence-storage.js';
import type { CasesRepository } from '../case/cases.repository.js';
import type { EvidenceRepository, EvidenceRow } from './evidence.repository.js';
import { displayFilename, EvidenceService, mediaType } from './evidence.service.js';

const officer: Actor = {
  kind: 'user',
  id: '11111111-1111-4111-8111-111111111111',
  username: 'li.officer',
  role: Role.Officer,
  unitId: 'unit',
  scopePath: '/unit/',
};

const GOOD = [Buffer.from('第一段,'), Buffer.from('第二段,'), Buffer.from('第三段')];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const row: EvidenceRow = {
  id: '22222222-2222-4222-8222-222222222222',
  case_id: '33333333-3333-4333-8333-333333333333',
  filename: '银行流水.csv',
  content_type: 'text/csv',
  size_bytes: String(Buffer.concat(GOOD).length),
  sha256: sha256(Buffer.concat(GOOD)),
  storage_key: '44444444-4444-4444-8444-444444444444',
  description: null,
  uploaded_by: officer.id,
  created_at: new Date('2026-11-21T01:30:00Z'),
};

/** A storage whose file is replaced by `later` after the first read (a change during a download). */
function changingStorage(later: Buffer[]): EvidenceStorage {
  let reads = 0;
  return {
    put: (): Promise<StoredObject> => Promise.reject(new Error('not used')),
    get: () => Readable.from(reads++ === 0 ? GOOD : later),
    exists: () => Promise.resolve(true),
    remove: () => Promise.resolve(),
  };
}

function service(storage: EvidenceStorage, audits: AuditEntry[]): EvidenceService {
  const repo = { findInCase: () => Promise.resolve(row) } as unknown as EvidenceRepository;
  const cases = { findScoped: () => Promise.resolve({}) } as unknown as CasesRepository;
  const audit = {
    record: (_em: unknown, e: AuditEntry) => Promise.resolve(void audits.push(e)),
  } as unknown as AuditService;
  return new EvidenceService(repo, cases, audit, storage, { manager: {} } as DataSource);
}

async function drain(stream: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

describe('EvidenceService.download', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('streams a file that still matches its hash, whole', async () => {
    const audits: AuditEntry[] = [];
    const s = service(changingStorage(GOOD), audits);
    const { stream, evidence } = await s.download(officer, row.case_id, row.id);
    assert.equal(evidence.sha256, row.sha256);
    const { bytes, error } = await drain(stream);
    assert.equal(error, null);
    assert.deepEqual(bytes, Buffer.concat(GOOD));
    assert.deepEqual(
      audits.map((a) => a.action),
      ['evidence.download'],
    );
  });

  it('cuts the response short and audits it when the file changes after the check', async () => {
    const audits: AuditEntry[] = [];
    const changed = [GOOD[0], GOOD[1], Buffer.from('第X段')];
    const s = service(changingStorage(changed), audits);
    const { stream } = await s.download(officer, row.case_id, row.id);
    const { bytes, error } = await drain(stream);
    assert.match(String(error), /changed while it was being served/);
    assert.ok(bytes.length < Buffer.concat(changed).length, 'the last chunk is never sent');
    const failed = audits.find((a) => a.action === 'evidence.integrity_failed');
    assert.equal(failed?.details?.stage, 'while_streaming');
    assert.equal(failed?.details?.actualSha256, sha256(Buffer.concat(changed)));
  });

  it('stops as soon as the file grew past its stored size', async () => {
    const audits: AuditEntry[] = [];
    const s = service(changingStorage([...GOOD, Buffer.from('追加的内容')]), audits);
    const { stream } = await s.download(officer, row.case_id, row.id);
    const { bytes, error } = await drain(stream);
    assert.ok(error);
    assert.ok(bytes.length <= Number(row.size_bytes));
    assert.ok(audits.some((a) => a.action === 'evidence.integrity_failed'));
  });
});

describe('evidence names and types', () => {
  it('keeps a Chinese filename, drops any path and control or bidi characters', () => {
    assert.equal(displayFilename('银行流水.csv'), '银行流水.csv');
    assert.equal(displayFilename('C:\\Users\\警官\\聊天记录.png'), '聊天记录.png');
    assert.equal(displayFilename('../../etc/passwd'), 'passwd');
    assert.equal(displayFilename('inv\u202eoice.exe\u0000'), 'invoice.exe');
    assert.equal(displayFilename('  '), 'unnamed');
    assert.equal([...displayFilename('长'.repeat(300))].length, 255);
  });

  it('keeps a plain media type and replaces anything else with application/octet-stream', () => {
    assert.equal(mediaType('Text/CSV'), 'text/csv');
    assert.equal(mediaType('image/png'), 'image/png');
    assert.equal(mediaType('text/html\r\nSet-Cookie: x=1'), 'application/octet-stream');
    assert.equal(mediaType(''), 'application/octet-stream');
  });
});
