import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import {
  allPublic,
  checkWebhookUrl,
  checkWecomUrl,
  isRefusal,
  OutboundPolicy,
} from './url-policy.js';

const BASE = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
const KEY = '693a91f6-7aaa-4bc4-97a0-0ec2b1fa5aaa';
const policy = (over: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
  wecomApiBase: BASE,
  webhookAllowedHosts: [],
  requireHttps: true,
  ...over,
});

/** The problem of a refused URL, or 'ok'. */
function webhook(url: string, p = policy()): string {
  const v = checkWebhookUrl(url, p);
  return isRefusal(v) ? v.problem : 'ok';
}

describe('WeCom robot URLs', () => {
  it('are the configured base with a key and nothing else', () => {
    assert.deepEqual(checkWecomUrl(`${BASE}?key=${KEY}`, BASE), { key: KEY });
    for (const bad of [
      BASE,
      `${BASE}?key=short`,
      `${BASE}?key=${KEY}&debug=1`,
      `${BASE}?key=${KEY}&key=${KEY}`,
      `${BASE}?key=${KEY}#x`,
      `https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`,
      `http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`,
      `https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=${KEY}`,
      `https://qyapi.weixin.qq.com/cgi-bin/webhook/send/x?key=${KEY}`,
      `https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=${KEY}`,
      `http://127.0.0.1:8080/cgi-bin/webhook/send?key=${KEY}`,
      `ftp://x/?key=${KEY}`,
      'not a url',
    ]) {
      const v = checkWecomUrl(bad, BASE);
      assert.ok(isRefusal(v), bad);
      assert.match(v.problem, /must be a WeCom robot URL: https:\/\/qyapi\.weixin\.qq\.com/);
      assert.equal(v.refusal, 'refused: url not allowed');
    }
  });

  it('follow a configured base elsewhere (an on-prem gateway, a fake robot)', () => {
    const base = 'http://127.0.0.1:4010/cgi-bin/webhook/send';
    assert.deepEqual(checkWecomUrl(`${base}?key=${KEY}`, base), { key: KEY });
    assert.ok(isRefusal(checkWecomUrl(`${BASE}?key=${KEY}`, base)));
  });
});

describe('webhook URLs', () => {
  it('a public https URL passes, its host left to the connection to resolve', () => {
    const v = checkWebhookUrl('https://hooks.example.com/jw?t=1', policy());
    assert.ok(!isRefusal(v));
    assert.equal(v.allowListed, false);
    assert.equal(v.ipLiteral, false);
    assert.equal(webhook('https://8.8.8.8/hook'), 'ok');
  });

  it('are https in production, http allowed elsewhere', () => {
    assert.equal(webhook('http://hooks.example.com/'), 'must be an https URL');
    assert.equal(webhook('http://hooks.example.com/', policy({ requireHttps: false })), 'ok');
    assert.equal(
      webhook('ftp://hooks.example.com/', policy({ requireHttps: false })),
      'must be an http(s) URL',
    );
    assert.equal(webhook('hooks.example.com/x'), 'must be a valid absolute URL');
  });

  it('carry no credentials, even to an allow-listed host', () => {
    const p = policy({ webhookAllowedHosts: ['hooks.internal'] });
    for (const u of ['https://user:pass@hooks.example.com/', 'https://user@hooks.internal/'])
      assert.match(webhook(u, p), /user name or password/, u);
  });

  it('never point to loopback, private, link-local, CGNAT, unspecified, multicast or reserved addresses, however spelled', () => {
    const cases: [string, string][] = [
      ['https://127.0.0.1/', 'loopback'],
      ['https://127.0.0.1:5432/', 'loopback'],
      ['https://0x7f000001/', 'loopback'],
      ['https://2130706433/', 'loopback'],
      ['https://127.1/', 'loopback'],
      ['https://0177.0.0.1/', 'loopback'],
      ['https://[::1]/', 'loopback'],
      ['https://[::ffff:127.0.0.1]/', 'loopback'],
      ['https://[::ffff:7f00:1]/', 'loopback'],
      ['https://0.0.0.0/', 'unspecified'],
      ['https://0/', 'unspecified'],
      ['https://[::]/', 'unspecified'],
      ['https://169.254.169.254/latest/meta-data/', 'link-local'],
      ['https://[fe80::1]/', 'link-local'],
      ['https://10.0.0.7/', 'private'],
      ['https://172.20.1.1/', 'private'],
      ['https://192.168.0.10/', 'private'],
      ['https://[fd00::1]/', 'private'],
      ['https://100.64.1.1/', 'cgnat'],
      ['https://224.0.0.1/', 'multicast'],
      ['https://255.255.255.255/', 'broadcast'],
      ['https://240.0.0.1/', 'reserved'],
    ];
    for (const [u, range] of cases) {
      const v = checkWebhookUrl(u, policy());
      assert.ok(isRefusal(v), u);
      assert.equal(v.problem, `must not point to a ${range} address`, u);
      assert.equal(v.refusal, 'refused: address not allowed');
    }
  });

  it('a host name passes here whatever it is: what it resolves to decides', () => {
    for (const u of ['https://localhost/', 'https://metadata.google.internal/', 'https://x:5432/'])
      assert.equal(webhook(u), 'ok', u);
  });

  it('an allow-listed host (any port, or the port named) is exempt from the address rules', () => {
    const p = policy({ webhookAllowedHosts: ['127.0.0.1:4000', 'localhost', '[::1]'] });
    const v = checkWebhookUrl('https://127.0.0.1:4000/h', p);
    assert.ok(!isRefusal(v) && v.allowListed && v.ipLiteral);
    assert.equal(webhook('https://127.0.0.1:4001/h', p), 'must not point to a loopback address');
    assert.equal(webhook('https://127.0.0.1/h', p), 'must not point to a loopback address');
    const named = checkWebhookUrl('https://localhost:9999/h', p);
    assert.ok(!isRefusal(named) && named.allowListed && !named.ipLiteral);
    assert.equal(webhook('https://[::1]:9999/h', p), 'ok');
    // The same host spelled otherwise is the same host once parsed.
    assert.equal(webhook('https://0x7f000001:4000/h', p), 'ok');
  });
});

describe('resolved addresses', () => {
  it('are connectable only when every one is public', () => {
    assert.equal(allPublic([{ address: '8.8.8.8' }, { address: '2606:4700::1' }]), true);
    assert.equal(allPublic([{ address: '8.8.8.8' }, { address: '10.0.0.1' }]), false);
    assert.equal(allPublic([{ address: '::ffff:127.0.0.1' }]), false);
    assert.equal(allPublic([]), false);
  });
});
