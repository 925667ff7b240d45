import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import iconv from 'iconv-lite';
import { QueueService } from '../../src/common/queue/queue.service.js';
import { flag, newCase } from '../builders.js';
import { bootApp, describeEachBackend, eventually, TestApp, USERS } from '../harness.js';

/** Small limits, so the limit tests send kilobytes, not half a gigabyte. */
const MAX_BYTES = 64 * 1024;
const MAX_ROWS = 60;
/** A short stall limit, so the stalled upload is given up in half a second. */
const STALL_MS = 500;

const HEADER =
  'externalRef,payerAccount,payerName,payeeAccount,payeeName,payeeBank,amountFen,occurredAt,reason';
const CARD = '6222021234567890128';
/** A second case names this card too: two hits for a flag paying into it. */
const SHARED_CARD = '6222021234567890128';
const OTHER_CARD = '6217000010002345678';
const UNKNOWN_CARD = '6217000010009999999';

type Row = Record<string, string>;

function row(ref: string, o: Partial<Row> = {}): Row {
  return {
    externalRef: ref,
    payerAccount: '6212262402001234567',
    payerName: '王某某',
    payeeAccount: CARD,
    payeeName: '李某',
    payeeBank: '中国工商银行',
    amountFen: '6000000',
    occurredAt: '2026-11-21T10:02:00+08:00',
    reason: '客户首次向陌生个人账户大额转账，自称“刷单返利”',
    ...o,
  };
}

const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
function csv(rows: Row[], header = HEADER): string {
  const cols = header.split(',');
  const english = HEADER.split(',');
  return [header, ...rows.map((r) => cols.map((_, i) => cell(r[english[i]] ?? '')).join(','))]
    .map((l) => `${l}\r\n`)
    .join('');
}

interface FileDto {
  id: string;
  status: string;
  encoding: string;
  rowsTotal: number;
  rowsDone: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  hits: number;
  dissuasions: number;
}

/** The problems CSV as [row, externalRef, field, problem] (the test's values hold no quotes). */
function parseProblems(text: string): string[][] {
  assert.ok(text.startsWith('\ufeff'), 'UTF-8 with BOM, for Excel');
  const lines = text.slice(1).trimEnd().split('\r\n');
  assert.equal(lines[0], 'row,externalRef,field,problem');
  return lines.slice(1).map((l) => {
    const m = /^(\d+),([^,]*),([^,]*),(.*)$/.exec(l);
    assert.ok(m, l);
    return [m[1], m[2], m[3], m[4].replace(/^"|"$/g, '')];
  });
}

/**
 * A raw multipart upload that sends the head of its part and one row, announces 10 kB more and
 * never sends them; answers the server's reply (the app listens on a port for it).
 */
async function stalledUpload(
  t: TestApp,
  user: string,
  filename: string,
  externalRef: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const token = await t.token(user);
  const boundary = 'jw-stalled-upload';
  const sent = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: text/csv\r\n\r\n${csv([row(externalRef)])}`,
  );
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/transfer-flags/files',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(sent.length + 10_000),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.write(sent);
  });
}

describeEachBackend('banks’ daily files of transfer flags (可疑交易批量文件)', (backend) => {
  let t: TestApp;
  const as = async (user: string) => ({ authorization: `Bearer ${await t.token(user)}` });

  async function upload(user: string, body: Buffer | string, query = '', status = 202) {
    return t
      .http()
      .post(`/api/v1/transfer-flags/files${query}`)
      .set(await as(user))
      .attach('file', Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), {
        filename: 'flags.csv',
        contentType: 'text/csv',
      })
      .expect(status);
  }

  /**
   * Waits for the file's job and what it enqueued. A dissuasion's SLA check waits 30 minutes in
   * its queue: it is promoted, so it runs now (finding its tasks not yet due).
   */
  async function settle(): Promise<void> {
    const sla = t.app.get(QueueService).queue('dissuasion-sla');
    for (let round = 0; round < 100; round++) {
      try {
        await t.drain(300);
        return;
      } catch {
        for (const job of await sla.getJobs(['delayed'])) await job.promote();
      }
    }
    await settle();
  }

  /** Uploads, waits for the job, answers the finished file. */
  async function ingest(user: string, body: Buffer | string, query = ''): Promise<FileDto> {
    const res = await upload(user, body, query);
    const queued = res.body as FileDto;
    assert.equal(queued.status, 'queued');
    await settle();
    const done = await t
      .http()
      .get(`/api/v1/transfer-flags/files/${queued.id}`)
      .set(await as(user))
      .expect(200);
    return done.body as FileDto;
  }

  async function problems(user: string, id: string): Promise<string[][]> {
    const res = await t
      .http()
      .get(`/api/v1/transfer-flags/files/${id}/problems`)
      .set(await as(user))
      .buffer(true)
      .parse((r, cb) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => cb(null, s));
      })
      .expect(200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    return parseProblems(res.body as string);
  }

  beforeAll(async () => {
    t = await bootApp(backend, {
      flagFiles: { maxBytes: MAX_BYTES, maxRows: MAX_ROWS, stallMs: STALL_MS, uploadsInFlight: 2 },
    });
    // Two cases name CARD, one OTHER_CARD: hits of 2, 1 and 0 cases.
    for (const card of [CARD, SHARED_CARD, OTHER_CARD]) {
      const c = newCase();
      c.identifiers[0].value = card;
      await t
        .http()
        .post('/api/v1/cases')
        .set(await as(USERS.officer))
        .send(c)
        .expect(201);
    }
  });
  afterAll(() => t.close());

  let firstFile = '';

  it('a UTF-8 file (with BOM) is staged, answered 202, and stored by the job: bad rows and repeats named per row', async () => {
    const body =
      '\ufeff' +
      csv([
        row('F-0001'),
        row('F-0002', { payeeAccount: OTHER_CARD, amountFen: '120000' }),
        row('F-0001', { amountFen: '1' }), // row 4: repeats row 2
        row('F-0003', { payeeAccount: '62-abc', amountFen: '12.50', reason: '' }),
        row('F-0004', { occurredAt: '2026-11-21 10:02:00', payeeAccount: UNKNOWN_CARD }),
      ]) +
      'F-0005,6212262402001234567\r\n'; // row 7: two cells
    const res = await upload(USERS.icbc, body);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.rowsTotal, 6);
    assert.equal(res.body.rowsDone, 0);
    firstFile = res.body.id as string;

    await settle();
    const done = await t
      .http()
      .get(`/api/v1/transfer-flags/files/${firstFile}`)
      .set(await as(USERS.icbc))
      .expect(200);
    assert.deepEqual(
      {
        status: done.body.status,
        encoding: done.body.encoding,
        rowsTotal: done.body.rowsTotal,
        rowsDone: done.body.rowsDone,
        accepted: done.body.accepted,
        rejected: done.body.rejected,
        duplicates: done.body.duplicates,
        hits: done.body.hits,
        dissuasions: done.body.dissuasions,
      },
      {
        status: 'done',
        encoding: 'utf-8',
        rowsTotal: 6,
        rowsDone: 6,
        accepted: 3,
        rejected: 2,
        duplicates: 1,
        hits: 3, // F-0001 two cases, F-0002 one
        dissuasions: 2,
      },
    );
    assert.deepEqual(await problems(USERS.icbc, firstFile), [
      ['4', 'F-0001', 'externalRef', 'duplicate of row 2 of this file'],
      ['5', 'F-0003', 'amountFen', 'must be a whole number of fen (分): digits only'],
      ['5', 'F-0003', 'reason', 'must be longer than or equal to 1 characters'],
      ['5', 'F-0003', 'payeeAccount', 'must contain only digits'],
      ['7', 'F-0005', 'row', 'has 2 cells; the header has 9'],
    ]);
    // A time without an offset is China time.
    const [stored] = (await t.db.query(
      `SELECT occurred_at FROM transfer_flags WHERE external_ref = 'F-0004'`,
    )) as { occurred_at: Date }[];
    assert.equal(stored.occurred_at.toISOString(), '2026-11-21T02:02:00.000Z');

    // The job shows on /queues' queue with its progress.
    const jobs = await t.app.get(QueueService).queue('transfer-flag-files').getJobs(['completed']);
    const job = jobs.find((j) => (j.data as { fileId: string }).fileId === firstFile);
    assert.ok(job, 'the file’s job is on the transfer-flag-files queue');
    assert.deepEqual(job.progress, { rowsDone: 6, rowsTotal: 6 });
  });

  it('a GBK file with Chinese headers is read as GBK (detected, or said with ?encoding=gbk)', async () => {
    const header = '交易流水号,卡号,户名,对方卡号,对方户名,对方行名,金额(分),交易时间,预警原因';
    const text = csv(
      [row('G-0001', { payerName: '赵钱孙' }), row('G-0002', { payeeAccount: UNKNOWN_CARD })],
      header,
    );
    const gbk = iconv.encode(text, 'gbk');
    assert.notDeepEqual(gbk, Buffer.from(text, 'utf8'), 'the bytes are GBK, not UTF-8');
    const detected = await ingest(USERS.icbc, gbk);
    assert.equal(detected.encoding, 'gb18030');
    assert.equal(detected.accepted, 2);
    const [f] = (await t.db.query(
      `SELECT payer_name, reason FROM transfer_flags WHERE external_ref = 'G-0001'`,
    )) as { payer_name: string; reason: string }[];
    assert.equal(f.payer_name, '赵钱孙');
    assert.equal(f.reason, row('x').reason);

    const said = await ingest(
      USERS.icbc,
      iconv.encode(csv([row('G-0003', { payeeName: '周吴郑' })], header), 'gbk'),
      '?encoding=gbk',
    );
    assert.equal(said.accepted, 1);
    const [g] = (await t.db.query(
      `SELECT payee_name FROM transfer_flags WHERE external_ref = 'G-0003'`,
    )) as { payee_name: string }[];
    assert.equal(g.payee_name, '周吴郑');
  });

  it('rows the bank sent before (by JSON or an earlier file) are duplicates that change nothing', async () => {
    await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.icbc))
      .send({ flags: [flag('J-0001')] })
      .expect(200);
    const before = (await t.db.query('SELECT count(*)::int AS n FROM transfer_hits')) as {
      n: number;
    }[];
    const f = await ingest(USERS.icbc, csv([row('J-0001'), row('F-0002'), row('J-0002')]));
    assert.equal(f.accepted, 1);
    assert.equal(f.duplicates, 2);
    const p = await problems(USERS.icbc, f.id);
    assert.deepEqual(
      p.map(([r, ref, field]) => [r, ref, field]),
      [
        ['2', 'J-0001', 'externalRef'],
        ['3', 'F-0002', 'externalRef'],
      ],
    );
    assert.match(p[0][3], /^already sent by this bank \(flag [0-9a-f-]{36}\): nothing changed$/);
    const after = (await t.db.query('SELECT count(*)::int AS n FROM transfer_hits')) as {
      n: number;
    }[];
    assert.equal(after[0].n, before[0].n + 2, 'only J-0002 added hits (two cases name its card)');
  });

  it('the hits and tasks of a file equal the JSON batch’s for the same rows', async () => {
    const rows = [
      row('S-1', { payeeAccount: CARD, amountFen: '100' }),
      row('S-2', { payeeAccount: OTHER_CARD, amountFen: '600000' }),
      row('S-3', { payeeAccount: OTHER_CARD, amountFen: '100' }),
      row('S-4', { payeeAccount: UNKNOWN_CARD }),
      row('S-5', { payeeAccount: CARD, amountFen: '9000000', payerName: '' }),
    ];
    // The same rows from two banks: ICBC as a file, CCB as JSON.
    const file = await ingest(USERS.icbc, csv(rows));
    await t
      .http()
      .post('/api/v1/transfer-flags')
      .set(await as(USERS.ccb))
      .send({
        flags: rows.map((r) => {
          const { amountFen, payerName, ...rest } = r;
          return { ...rest, amountFen: Number(amountFen), ...(payerName ? { payerName } : {}) };
        }),
      })
      .expect(200);
    await settle();
    const outcome = async (bank: string) =>
      (await t.db.query(
        `SELECT f.external_ref, f.payer_name, f.amount_fen::text,
                array_agg(h.case_id::text ORDER BY h.case_id) FILTER (WHERE h.id IS NOT NULL) AS cases,
                min(d.risk_grade) AS risk, min(d.unit_id::text) AS unit
         FROM transfer_flags f JOIN units b ON b.id = f.bank_unit_id
         LEFT JOIN transfer_hits h ON h.flag_id = f.id LEFT JOIN dissuasions d ON d.flag_id = f.id
         WHERE b.code = $1 AND f.external_ref LIKE 'S-%'
         GROUP BY f.id ORDER BY f.external_ref`,
        [bank],
      )) as unknown[];
    const fromFile = await outcome('ICBC-GY');
    assert.equal(fromFile.length, 5);
    assert.deepEqual(fromFile, await outcome('CCB-GZ'));
    assert.equal(file.hits, 2 + 1 + 1 + 2);
    assert.equal(file.dissuasions, 4);
  });

  it('another bank’s file is absent (404); officers may not send or read files (403)', async () => {
    await t
      .http()
      .get(`/api/v1/transfer-flags/files/${firstFile}`)
      .set(await as(USERS.ccb))
      .expect(404);
    await t
      .http()
      .get(`/api/v1/transfer-flags/files/${firstFile}/problems`)
      .set(await as(USERS.ccb))
      .expect(404);
    await upload(USERS.officer, csv([row('O-1')]), '', 403);
    await t
      .http()
      .get(`/api/v1/transfer-flags/files/${firstFile}`)
      .set(await as(USERS.officer))
      .expect(403);
    await t.http().get(`/api/v1/transfer-flags/files/${firstFile}`).expect(401);
  });

  it('a bank API key sends a file as its bank', async () => {
    const issued = await t
      .http()
      .post('/api/v1/api-keys')
      .set(await as(USERS.admin))
      .send({
        unitId: (await t.db.query(`SELECT id FROM units WHERE code = 'ICBC-GY'`))[0].id,
        name: '批量报送',
      })
      .expect(201);
    const res = await t
      .http()
      .post('/api/v1/transfer-flags/files')
      .set('x-api-key', issued.body.key as string)
      .attach('file', Buffer.from(csv([row('K-1')])), 'k.csv')
      .expect(202);
    await settle();
    const f = await t
      .http()
      .get(`/api/v1/transfer-flags/files/${res.body.id}`)
      .set(await as(USERS.icbc))
      .expect(200);
    assert.equal(f.body.accepted, 1, 'the bank’s liaison sees the file its system sent');
  });

  it('limits and malformed files are refused naming the field (400, 413), and nothing is kept', async () => {
    const expectProblem = (
      res: { body: { details: { field: string; problem: string }[] } },
      re: RegExp,
    ) => {
      assert.equal(res.body.details[0].field, 'file', JSON.stringify(res.body));
      assert.match(res.body.details[0].problem, re);
    };
    const big = csv(
      Array.from({ length: 40 }, (_, i) => row(`B-${i}`, { reason: 'x'.repeat(2000) })),
    );
    assert.ok(Buffer.byteLength(big) > MAX_BYTES);
    expectProblem(await upload(USERS.icbc, big, '', 413), /must be at most 65536 bytes/);
    const many = csv(
      Array.from({ length: MAX_ROWS + 1 }, (_, i) => row(`M-${i}`, { reason: 'x' })),
    );
    assert.ok(Buffer.byteLength(many) < MAX_BYTES);
    expectProblem(await upload(USERS.icbc, many, '', 413), /at most 60 data rows/);
    expectProblem(
      await upload(USERS.icbc, 'externalRef,payerAcount,amountFen\r\nX,1,2\r\n', '', 400),
      /header column 2 "payerAcount" is not a known column/,
    );
    expectProblem(await upload(USERS.icbc, '', '', 400), /is empty/);
    expectProblem(await upload(USERS.icbc, HEADER + '\r\n', '', 400), /no data rows/);
    expectProblem(
      await upload(USERS.icbc, iconv.encode(csv([row('U-1')]), 'gbk'), '?encoding=utf-8', 400),
      /is not valid UTF-8/,
    );
    const notForm = await t
      .http()
      .post('/api/v1/transfer-flags/files')
      .set(await as(USERS.icbc))
      .set('content-type', 'text/csv')
      .send(csv([row('N-1')]))
      .expect((r) => assert.ok(r.status === 400 || r.status === 415, String(r.status)));
    assert.ok(notForm.status >= 400);
    await t
      .http()
      .post('/api/v1/transfer-flags/files?encoding=latin1')
      .set(await as(USERS.icbc))
      .attach('file', Buffer.from(csv([row('E-1')])), 'e.csv')
      .expect(400);
    const left = (await t.db.query(
      `SELECT (SELECT count(*)::int FROM transfer_flag_file_rows) AS rows,
              (SELECT count(*)::int FROM transfer_flags WHERE external_ref ~ '^(B|M|X|U|N|E)-') AS flags`,
    )) as { rows: number; flags: number }[];
    assert.deepEqual(left[0], { rows: 0, flags: 0 });
  });

  it('an upload that stops sending is a 408 naming file; nothing is kept and the bank may send at once', async () => {
    const started = Date.now();
    const answer = await stalledUpload(t, USERS.icbc, 'stalled.csv', 'STALL-1');
    const waited = Date.now() - started;
    assert.equal(answer.status, 408, answer.body);
    const error = JSON.parse(answer.body) as { details: { field: string; problem: string }[] };
    assert.deepEqual(error.details, [
      { field: 'file', problem: 'no data came for 0.5 s; send the file again' },
    ]);
    assert.ok(waited >= STALL_MS && waited < 10_000, String(waited));
    const kept = (await t.db.query(
      `SELECT (SELECT count(*)::int FROM transfer_flag_files WHERE filename = 'stalled.csv') AS files,
              (SELECT count(*)::int FROM transfer_flags WHERE external_ref = 'STALL-1') AS flags`,
    )) as { files: number; flags: number }[];
    assert.deepEqual(kept[0], { files: 0, flags: 0 });
    // The bank's upload lock went with the transaction: its next file is taken at once.
    const next = await ingest(USERS.icbc, csv([row('STALL-2')]));
    assert.equal(next.accepted, 1);
  });

  it('a cell far over its length and an unclosed quote cost no memory: the row is refused, the rest stored', async () => {
    const long = 'x'.repeat(50_000);
    const f = await ingest(
      USERS.icbc,
      csv([row('L-1', { reason: long }), row('L-2')]) + 'L-3,"6212262402001234567,never closed',
    );
    assert.equal(f.rowsTotal, 3);
    assert.equal(f.accepted, 1);
    assert.equal(f.rejected, 2);
    const p = await problems(USERS.icbc, f.id);
    assert.deepEqual(p[0], [
      '2',
      'L-1',
      'reason',
      'must be shorter than or equal to 500 characters',
    ]);
    assert.deepEqual(p[1].slice(0, 3), ['4', 'L-3', 'row']);
  });
});

describe('bank files received at once (FLAG_FILE_UPLOADS_IN_FLIGHT)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres', {
      flagFiles: { maxBytes: MAX_BYTES, maxRows: MAX_ROWS, stallMs: 1500, uploadsInFlight: 1 },
      databasePool: { max: 10, timeoutMs: 300 },
    });
  });
  afterAll(() => t.close());

  it('one streams at a time: another bank’s file waits its turn, then is a 503 with Retry-After; then files are taken again', async () => {
    // ICBC's upload takes the only turn and holds it (its COPY is under way) until its stall ends it.
    const first = stalledUpload(t, USERS.icbc, 'first.csv', 'TURN-1');
    await eventually('the first upload streaming', async () => {
      const [r] = (await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY transfer_flag_file_rows%'`,
      )) as { n: number }[];
      return r.n === 1;
    });
    const ccb = { authorization: `Bearer ${await t.token(USERS.ccb)}` };
    const send = () =>
      t
        .http()
        .post('/api/v1/transfer-flags/files')
        .set(ccb)
        .attach('file', Buffer.from(csv([row('TURN-2')])), {
          filename: 'second.csv',
          contentType: 'text/csv',
        });
    const busy = await send();
    assert.equal(busy.status, 503, busy.text);
    assert.equal(busy.headers['retry-after'], '10');
    assert.deepEqual(busy.body.details, [
      { field: 'file', problem: 'other files are being received; send it again shortly' },
    ]);
    assert.equal((await first).status, 408);
    const taken = await send();
    assert.equal(taken.status, 202, taken.text);
  });
});
