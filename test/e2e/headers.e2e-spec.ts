import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { ADMIN, bootApp, DEMO_PASSWORD, TestApp, USERS } from '../harness.js';

/** A Content-Security-Policy header as directive → sources. */
function csp(res: Response): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '');
  assert.ok(header, `no CSP on ${res.status}`);
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** The sources that govern a kind of resource: its own directive, else default-src. */
const sourcesFor = (policy: Map<string, string[]>, directive: string) =>
  policy.get(directive) ?? policy.get('default-src') ?? [];

/** What an HTML page loads: script and stylesheet URLs, and whether it has an inline script. */
function assetsOf(html: string): { scripts: string[]; styles: string[]; inlineScripts: number } {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*>/g)].map(
    (m) => /href="([^"]+)"/.exec(m[0])?.[1] ?? '',
  );
  // A <script> without src that the browser would run (JSON data blocks are not run).
  const inlineScripts = [...html.matchAll(/<script\b([^>]*)>/g)].filter(
    (m) => !/\bsrc=/.test(m[1]) && !/type="application\/json"/.test(m[1]),
  ).length;
  return { scripts, styles, inlineScripts };
}

describe('security headers and the dashboard cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a TLS-terminating proxy: X-Forwarded-Proto says whether the browser used https.
    t = await bootApp('postgres', { trustProxy: true });
  });
  afterAll(() => t.close());

  const login = (username: string, password: string, https = false) => {
    const req = t.http().post('/api/v1/auth/login').send({ username, password });
    return https ? req.set('x-forwarded-proto', 'https') : req;
  };

  it('answers every API call, success or error, with the protective headers and no caching', async () => {
    const officer = await t.token(USERS.officer);
    for (const [path, token] of [
      ['/api/v1/auth/me', officer],
      ['/api/v1/cases', officer],
      ['/api/v1/cases', null],
      ['/api/v1/nothing-here', null],
    ]) {
      const req = t.http().get(path!);
      const res = await (token ? req.set('authorization', `Bearer ${token}`) : req);
      const what = `${path} → ${res.status}`;
      const policy = csp(res);
      assert.deepEqual(policy.get('default-src'), ["'none'"], what);
      assert.deepEqual(policy.get('frame-ancestors'), ["'none'"], what);
      assert.equal(res.headers['x-frame-options'], 'DENY', what);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
      assert.equal(res.headers['cache-control'], 'no-store', what);
      assert.equal(res.headers['strict-transport-security'], undefined, `${what}: plain http`);
    }
  });

  it('sends HSTS when the browser came over https', async () => {
    const res = await t.http().get('/health').set('x-forwarded-proto', 'https');
    assert.match(String(res.headers['strict-transport-security']), /^max-age=\d{7,}/);
  });

  it('serves /docs with a policy its scripts and stylesheets load under', async () => {
    const page = await t.http().get('/docs').expect(200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const policy = csp(page);
    assert.deepEqual(sourcesFor(policy, 'script-src'), ["'self'"], 'scripts: own files only');
    assert.ok(sourcesFor(policy, 'style-src').includes("'self'"));
    assert.ok(sourcesFor(policy, 'connect-src').includes("'self'"), 'it fetches /docs-json');
    const { scripts, styles, inlineScripts } = assetsOf(page.text);
    assert.equal(inlineScripts, 0, 'an inline script would be blocked');
    assert.ok(scripts.length >= 2, page.text);
    for (const src of [...scripts, ...styles]) {
      const url = new URL(src, 'http://self/docs'); // as the browser resolves it from /docs
      assert.equal(url.host, 'self', `${src} is not same-origin`);
      const asset = await t.http().get(url.pathname).expect(200);
      assert.ok(asset.text.length > 100, src);
    }
    await t.http().get('/docs-json').expect(200);
  });

  it('serves /queues to an admin with the login cookie, under a policy its scripts load under', async () => {
    const res = await login(ADMIN.username, ADMIN.password).expect(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    const page = await t.http().get('/queues').set('cookie', cookie).expect(200);
    assert.match(page.text, /Bull Dashboard/);
    const policy = csp(page);
    assert.deepEqual(sourcesFor(policy, 'script-src'), ["'self'"]);
    assert.ok(sourcesFor(policy, 'connect-src').includes("'self'"), 'it calls /queues/api');
    assert.equal(page.headers['cache-control'], 'no-store');
    const { scripts, inlineScripts } = assetsOf(page.text);
    assert.equal(inlineScripts, 0, 'an inline script would be blocked');
    assert.ok(scripts.length >= 1);
    const base = /<base href="([^"]+)"/.exec(page.text)?.[1] ?? '/queues/';
    for (const src of scripts) {
      const url = new URL(src, new URL(base, 'http://self/'));
      assert.equal(url.host, 'self', `${src} is not same-origin`);
      await t.http().get(url.pathname).set('cookie', cookie).expect(200);
    }
    await t.http().get('/queues/api/queues').set('cookie', cookie).expect(200);
  });

  it('sets the dashboard cookie for admins only, and Secure when the browser came over https', async () => {
    const officer = await login(USERS.officer, DEMO_PASSWORD).expect(200);
    assert.equal(officer.headers['set-cookie'], undefined);
    const supervisor = await login(USERS.supervisor, DEMO_PASSWORD, true).expect(200);
    assert.equal(supervisor.headers['set-cookie'], undefined);

    const plain = String(
      (await login(ADMIN.username, ADMIN.password).expect(200)).headers['set-cookie'],
    );
    assert.match(plain, /^jw_token=/);
    assert.doesNotMatch(plain, /;\s*Secure/i, 'no Secure flag over plain http');
    const secure = String(
      (await login(ADMIN.username, ADMIN.password, true).expect(200)).headers['set-cookie'],
    );
    assert.match(secure, /^jw_token=[^;]+;.*; HttpOnly;.*; Secure$/);
    assert.match(secure, /SameSite=Strict/);
  });
});
