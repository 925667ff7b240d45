import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import {
  backoffMs,
  classifyWecomAnswer,
  guardedLookup,
  maskWebhookUrl,
  SendFailure,
  sendWecom,
} from './channels.js';

describe('WeCom answers', () => {
  it('errcode 0 is sent; 45009 waits; 93000 is broken; others are errors, as is a non-2xx', () => {
    assert.deepEqual(classifyWecomAnswer(200, { errcode: 0, errmsg: 'ok' }), { kind: 'sent' });
    assert.equal(
      classifyWecomAnswer(200, { errcode: 45009, errmsg: 'api freq out of limit' }).kind,
      'rate_limited',
    );
    assert.equal(
      classifyWecomAnswer(200, { errcode: 93000, errmsg: 'invalid webhook url' }).kind,
      'broken',
    );
    const other = classifyWecomAnswer(200, { errcode: 40008, errmsg: 'invalid message type' });
    assert.deepEqual(other, { kind: 'error', error: 'errcode 40008: invalid message type' });
    assert.equal(classifyWecomAnswer(502, null).kind, 'error');
    assert.equal(classifyWecomAnswer(200, 'not json').kind, 'error');
  });
});

describe('robot URLs', () => {
  const url =
    'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
  it('is masked to the last four characters of the key', () => {
    const masked = maskWebhookUrl(url, 'wecom_bot');
    assert.equal(masked, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa');
    assert.ok(!masked.includes('693a91f6'));
  });
  it('a webhook URL is shown without its query (tokens often hide there)', () => {
    assert.equal(
      maskWebhookUrl('https://hooks.example.com/jw?token=s3cret', 'webhook'),
      'https://hooks.example.com/jw',
    );
  });
});

describe('backoff', () => {
  it('doubles from the base', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffMs(100, n)),
      [100, 200, 400, 800],
    );
  });
});

describe('the connection of a webhook', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guardedLookup(host, { all }, (err, address) => resolve({ err, address })),
    );

  it('refuses a name that resolves to loopback, saying only the category', async () => {
    for (const all of [true, false]) {
      const { err } = await lookup('localhost', all);
      assert.ok(err instanceof SendFailure);
      assert.equal(err.message, 'refused: address not allowed');
    }
  });
});

describe('one send to a robot', () => {
  // A robot on loopback that answers by the key: the exchange's bounds, on a real socket.
  const answers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    ok: (_req, res) => res.end('{"errcode":0,"errmsg":"ok"}'),
    // 100 kB announced up front, and 100 kB streamed without a length.
    huge: (_req, res) => res.end(`{"errcode":0,"errmsg":"${'x'.repeat(100_000)}"}`),
    streamed: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 100; i++) res.write('x'.repeat(1000));
      res.end();
    },
    silent: () => undefined,
    moved: (_req, res) =>
      res.writeHead(302, { location: '/cgi-bin/webhook/send?key=okokokok' }).end(),
  };
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const key = new URL(req.url ?? '/', 'http://robot').searchParams.get('key') ?? '';
      req.resume();
      req.on('end', () => (answers[key.replace(/k+$/, '')] ?? answers.ok)(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/webhook/send`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const send = (answer: string, timeoutMs = 2000) =>
    sendWecom(`${base}?key=${answer.padEnd(8, 'k')}`, '**预警**', timeoutMs, {
      wecomApiBase: base,
      webhookAllowedHosts: [],
      requireHttps: false,
    });

  it('is sent when the robot answers errcode 0', async () => {
    assert.deepEqual(await send('ok'), { kind: 'sent' });
  });
  it('an answer past 64 kB is cut off, announced or streamed', async () => {
    assert.deepEqual(await send('huge'), {
      kind: 'error',
      error: 'answer too large',
      code: undefined,
    });
    assert.equal((await send('streamed')).kind, 'error');
    assert.equal(((await send('streamed')) as { error: string }).error, 'answer too large');
  });
  it('a robot that never answers is given up after the timeout', async () => {
    const t0 = Date.now();
    assert.deepEqual(await send('silent', 300), {
      kind: 'error',
      error: 'timeout',
      code: undefined,
    });
    assert.ok(Date.now() - t0 < 2000);
  });
  it('a redirect is an answer, not followed', async () => {
    assert.deepEqual(await send('moved'), { kind: 'error', error: 'http 302' });
  });
});
