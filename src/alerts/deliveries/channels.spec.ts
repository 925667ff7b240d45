import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import {
  backoffMs,
  classifyWecomAnswer,
  guardedLookup,
  maskWebhookUrl,
  SendFailure,
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
