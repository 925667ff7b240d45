import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { APP_CONFIG, AppConfig } from '../../src/common/config/config.js';
import { DiskEvidenceStorage } from '../../src/cases/evidence/evidence-storage.js';
import { bootApp, TestApp, USERS } from '../harness.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The small case of cases.e2e-spec.ts, without PII: enough to attach evidence to. */
const newCase = () => ({
  fraudType: 'task_rebate',
  summary: '受害人在兼职群内被诱导刷单返利，先后向对方提供的银行卡转账。',
  reportedAt: '2026-11-21T09:30:00+08:00',
  occurredAt: '2026-11-20T14:00:00+08:00',
  identifiers: [
    {
      kind: 'bank_card',
      value: '6222 0212 3456 7890 128',
      bankName: '中国工商银行',
      role: 'receiving_account',
    },
  ],
});

const FILENAME = '银行流水.csv';
const CONTENT = Buffer.from(
  '交易日期,金额(元),对方账户,对方户名\n2026-11-20 14:05,50000.00,6222021234567890128,某某\n',
);

/** Reads a response body as raw bytes, whatever its content type. */
function binary(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** Every file under a directory, recursively. */
/** Every file below `dir`, in an array of the test's realm (see evidence-storage.spec.ts). */
function filesUnder(dir: string): string[] {
  return [...readdirSync(dir)].flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function fileCase(t: TestApp, headers: Record<string, string>): Promise<string> {
  const res = await t.http().post('/api/v1/cases').set(headers).send(newCase()).expect(201);
  return res.body.id as string;
}

describe('evidence (电子数据证据)', () => {
  let t: TestApp;
  let storage: DiskEvidenceStorage;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });
  let caseId = '';
  let evidenceId = '';
  const evidenceUrl = () => `/api/v1/cases/${caseId}/evidence`;
  const downloadUrl = () => `${evidenceUrl()}/${evidenceId}/download`;

  beforeAll(async () => {
    t = await bootApp('postgres');
    storage = new DiskEvidenceStorage(t.app.get<AppConfig>(APP_CONFIG).evidenceDir);
    caseId = await fileCase(t, await as(USERS.officer));
    await t
      .http()
      .post(`/api/v1/cases/${caseId}/notes`)
      .set(await as(USERS.officer))
      .send({ body: '受害人提供了银行流水' })
      .expect(201);
  });
  afterAll(() => t.close());

  it('an officer uploads a file with a Chinese name and gets back its SHA-256', async () => {
    const res = await t
      .http()
      .post(evidenceUrl())
      .set(await as(USERS.officer))
      .attach('file', CONTENT, { filename: FILENAME, contentType: 'text/csv' })
      .field('description', '受害人工商银行账户流水')
      .expect(201);
    evidenceId = res.body.id;
    assert.equal(res.body.filename, FILENAME);
    assert.equal(res.body.size, CONTENT.length);
    assert.equal(res.body.sha256, sha256(CONTENT));
    assert.equal(res.body.contentType, 'text/csv');
    assert.equal(res.body.description, '受害人工商银行账户流水');
    assert.equal(res.body.caseId, caseId);
    assert.ok(!Number.isNaN(Date.parse(res.body.uploadedAt)));

    const [row] = (await t.db.query('SELECT * FROM evidence WHERE id = $1', [evidenceId])) as {
      storage_key: string;
      filename: string;
      sha256: string;
    }[];
    assert.equal(row.filename, FILENAME);
    assert.ok(!row.storage_key.includes('银行'), 'the storage key is not the client filename');
    assert.deepEqual(readFileSync(storage.pathOf(row.storage_key)), CONTENT);

    const audit = (await t.db.query(
      "SELECT actor_role, details FROM audit_events WHERE action = 'evidence.upload' AND entity_id = $1",
      [evidenceId],
    )) as { actor_role: string; details: { caseId: string; sha256: string } }[];
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor_role, 'officer');
    assert.equal(audit[0].details.caseId, caseId);
    assert.equal(audit[0].details.sha256, sha256(CONTENT));
  });

  it('the download is the same bytes, named in RFC 5987 form, with its SHA-256; it is audited', async () => {
    const res = await t
      .http()
      .get(downloadUrl())
      .set(await as(USERS.officer))
      .buffer(true)
      .parse(binary)
      .expect(200);
    assert.deepEqual(res.body, CONTENT);
    assert.equal(res.headers['x-sha256'], sha256(CONTENT));
    assert.equal(res.headers['content-length'], String(CONTENT.length));
    assert.match(res.headers['content-type'], /^text\/csv/);
    const disposition = res.headers['content-disposition'] as string;
    assert.match(disposition, /^attachment;/);
    assert.ok(
      disposition.includes(`filename*=UTF-8''${encodeURIComponent(FILENAME)}`),
      disposition,
    );
    assert.match(disposition, /filename="[\x20-\x7e]+\.csv"/, 'an ASCII fallback name');

    const audit = (await t.db.query(
      "SELECT actor_role FROM audit_events WHERE action = 'evidence.download' AND entity_id = $1",
      [evidenceId],
    )) as { actor_role: string }[];
    assert.deepEqual(
      audit.map((a) => a.actor_role),
      ['officer'],
    );
  });

  it('the case lists its evidence for the officer and an admin', async () => {
    for (const user of [USERS.officer, USERS.admin]) {
      const res = await t
        .http()
        .get(evidenceUrl())
        .set(await as(user))
        .expect(200);
      assert.equal(res.body.length, 1);
      assert.equal(res.body[0].id, evidenceId);
      assert.equal(res.body[0].filename, FILENAME);
      assert.equal(res.body[0].sha256, sha256(CONTENT));
    }
  });

  it('the timeline lists the upload after the note, by filename', async () => {
    const res = await t
      .http()
      .get(`/api/v1/cases/${caseId}/timeline`)
      .set(await as(USERS.officer))
      .expect(200);
    const entries = res.body as { type: string; id: string; text: string; at: string }[];
    assert.deepEqual(
      entries.map((e) => e.type),
      ['note', 'evidence'],
    );
    assert.equal(entries[1].id, evidenceId);
    assert.equal(entries[1].text, FILENAME);
    assert.ok(entries[0].at <= entries[1].at);
    const notes = await t
      .http()
      .get(`/api/v1/cases/${caseId}/notes`)
      .set(await as(USERS.officer))
      .expect(200);
    assert.ok(
      (notes.body as { type: string }[]).every((e) => e.type === 'note'),
      'the notes list stays notes only',
    );
  });

  it('a form without a file is a 400 naming file, and nothing is stored', async () => {
    const before = filesUnder(storage.root).length;
    for (const send of [
      () => t.http().post(evidenceUrl()).field('description', '没有附件'),
      () => t.http().post(evidenceUrl()).send({ description: '不是表单' }),
      () => t.http().post(evidenceUrl()).field('file', 'a text field, not a file'),
    ]) {
      const res = await send()
        .set(await as(USERS.officer))
        .expect(400);
      assert.equal(res.body.details[0].field, 'file', JSON.stringify(res.body));
      assert.match(res.body.message, /file/);
    }
    const rows = (await t.db.query('SELECT count(*)::int AS n FROM evidence')) as { n: number }[];
    assert.equal(rows[0].n, 1);
    assert.equal(filesUnder(storage.root).length, before);
  });

  it('a second file or a field the form does not have is a 400 naming it, and nothing is stored', async () => {
    const before = filesUnder(storage.root).length;
    const two = await t
      .http()
      .post(evidenceUrl())
      .set(await as(USERS.officer))
      .attach('file', CONTENT, { filename: 'a.csv' })
      .attach('file', CONTENT, { filename: 'b.csv' })
      .expect(400);
    assert.deepEqual(two.body.details, [{ field: 'file', problem: 'must be exactly one file' }]);
    const unknown = await t
      .http()
      .post(evidenceUrl())
      .set(await as(USERS.officer))
      .field('caseId', caseId)
      .attach('file', CONTENT, { filename: 'a.csv' })
      .expect(400);
    assert.equal(unknown.body.details[0].field, 'caseId');
    const rows = (await t.db.query('SELECT count(*)::int AS n FROM evidence')) as { n: number }[];
    assert.equal(rows[0].n, 1);
    assert.equal(filesUnder(storage.root).length, before);
  });

  it('bank liaisons and community police may not upload, list or download evidence (403)', async () => {
    for (const user of [USERS.icbc, USERS.community]) {
      await t
        .http()
        .post(evidenceUrl())
        .set(await as(user))
        .attach('file', CONTENT, { filename: FILENAME })
        .expect(403);
      await t
        .http()
        .get(evidenceUrl())
        .set(await as(user))
        .expect(403);
      const res = await t
        .http()
        .get(downloadUrl())
        .set(await as(user))
        .expect(403);
      assert.ok(!JSON.stringify(res.body).includes('银行流水'));
    }
  });

  it('an officer of another sub-bureau does not see the evidence (404)', async () => {
    const headers = await as(USERS.officerNanming);
    await t.http().get(evidenceUrl()).set(headers).expect(404);
    const res = await t.http().get(downloadUrl()).set(headers).expect(404);
    assert.ok(!res.text.includes(CONTENT.toString()));
    await t
      .http()
      .post(evidenceUrl())
      .set(headers)
      .attach('file', CONTENT, { filename: FILENAME })
      .expect(404);
    const rows = (await t.db.query('SELECT count(*)::int AS n FROM evidence')) as { n: number }[];
    assert.equal(rows[0].n, 1, 'nothing was added');
  });

  it('a file whose bytes changed on disk is reported (409, audited) and not served', async () => {
    const [{ storage_key: key }] = (await t.db.query(
      'SELECT storage_key FROM evidence WHERE id = $1',
      [evidenceId],
    )) as { storage_key: string }[];
    const tampered = Buffer.from(CONTENT);
    tampered[CONTENT.indexOf('50000')] = '9'.charCodeAt(0); // 50000.00 → 90000.00, same length
    writeFileSync(storage.pathOf(key), tampered);

    const res = await t
      .http()
      .get(downloadUrl())
      .set(await as(USERS.officer))
      .expect(409);
    assert.equal(res.body.message, 'evidence integrity check failed');
    assert.equal(res.body.statusCode, 409);
    const details = JSON.stringify(res.body.details);
    assert.ok(details.includes(sha256(CONTENT)), 'names the expected hash');
    assert.ok(details.includes(sha256(tampered)), 'names the actual hash');
    assert.equal(res.headers['x-sha256'], undefined);
    assert.equal(res.headers['content-disposition'], undefined);
    assert.ok(!res.text.includes('90000.00') && !res.text.includes('交易日期'), 'no file bytes');

    const audit = (await t.db.query(
      "SELECT details FROM audit_events WHERE action = 'evidence.integrity_failed' AND entity_id = $1",
      [evidenceId],
    )) as { details: { expectedSha256: string; actualSha256: string } }[];
    assert.equal(audit.length, 1);
    assert.equal(audit[0].details.expectedSha256, sha256(CONTENT));
    assert.equal(audit[0].details.actualSha256, sha256(tampered));
    const downloads = (await t.db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'evidence.download' AND entity_id = $1",
      [evidenceId],
    )) as { n: number }[];
    assert.equal(downloads[0].n, 1, 'the refused download is not recorded as a download');

    // A file that vanished is reported the same way.
    rmSync(storage.pathOf(key));
    const gone = await t
      .http()
      .get(downloadUrl())
      .set(await as(USERS.officer))
      .expect(409);
    assert.equal(gone.body.message, 'evidence integrity check failed');
  });
});

describe('evidence size limit', () => {
  const LIMIT = 1024;
  let t: TestApp;
  let dir: string;
  let caseId = '';
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jw-evidence-limit-'));
    t = await bootApp('postgres', { evidenceMaxBytes: LIMIT, evidenceDir: dir });
    caseId = await fileCase(t, await as(USERS.officer));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file over EVIDENCE_MAX_BYTES is a 413 naming file; no row, no file, no audit entry', async () => {
    const res = await t
      .http()
      .post(`/api/v1/cases/${caseId}/evidence`)
      .set(await as(USERS.officer))
      .attach('file', Buffer.alloc(256 * LIMIT, 'x'), { filename: '聊天记录.txt' })
      .field('description', 'too big')
      .expect(413);
    assert.equal(res.body.statusCode, 413);
    assert.equal(res.body.details[0].field, 'file');
    assert.match(res.body.details[0].problem, new RegExp(String(LIMIT)));
    const rows = (await t.db.query('SELECT count(*)::int AS n FROM evidence')) as { n: number }[];
    assert.equal(rows[0].n, 0);
    assert.deepEqual(filesUnder(dir), [], 'no file and no temporary file left behind');
    const audit = (await t.db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'evidence.upload'",
    )) as { n: number }[];
    assert.equal(audit[0].n, 0);
  });

  it('a form with a bad description and a file over the limit is refused without a crash', async () => {
    const res = await t
      .http()
      .post(`/api/v1/cases/${caseId}/evidence`)
      .set(await as(USERS.officer))
      .field('description', '长'.repeat(2001))
      .attach('file', Buffer.alloc(8 * LIMIT, 'x'), { filename: 'big.bin' })
      .expect(400);
    assert.equal(res.body.details[0].field, 'description');
    assert.deepEqual(filesUnder(dir), []);
  });

  it('a file of exactly the limit is accepted', async () => {
    const content = Buffer.alloc(LIMIT, 'y');
    const res = await t
      .http()
      .post(`/api/v1/cases/${caseId}/evidence`)
      .set(await as(USERS.officer))
      .attach('file', content, { filename: 'exact.bin' })
      .expect(201);
    assert.equal(res.body.size, LIMIT);
    assert.equal(res.body.sha256, sha256(content));
    assert.equal(filesUnder(dir).length, 1);
  });
});
