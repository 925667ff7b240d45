import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DemoWarningsSeeder } from '../../src/alerts/index.js';
import { DemoCasesSeeder } from '../../src/cases/index.js';
import { DemoRecoveriesSeeder } from '../../src/recoveries/index.js';
import { loadDemoCity } from '../demo-city.js';
import { bootApp, TestApp } from '../harness.js';
import { DEMO_PASSWORD } from '../setup/test-config.js';

const README = join(import.meta.dirname, '..', '..', '..', 'README.md');

/** The README's guided tour: the bash block between the tour markers. */
function tourScript(): string {
  const readme = readFileSync(README, 'utf8');
  const section = /<!-- tour:start -->\s*```bash\n([\s\S]*?)```\s*<!-- tour:end -->/.exec(readme);
  assert.ok(section, 'README.md has the tour block');
  return section[1];
}

function runBash(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // Asynchronously: the app answering the script runs in this process.
    const child = spawn('bash', ['-eo', 'pipefail', '-c', script], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const count = async (t: TestApp, sql: string) =>
  Number(((await t.db.query(sql)) as { n: string }[])[0].n);

describe('the demo city and the README tour', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await bootApp('postgres');
    await loadDemoCity(t);
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(() => t.close());

  it('every part has something to show, and each demo user sees their own part', async () => {
    const list = async (user: string, path: string) =>
      (
        await t
          .http()
          .get(`/api/v1/${path}`)
          .set('authorization', `Bearer ${await t.token(user, DEMO_PASSWORD)}`)
          .expect(200)
      ).body as { items: { caseNo?: string }[] };
    assert.equal((await list('sun.director', 'cases')).items.length, 7, 'the city sees all');
    assert.equal((await list('li.officer', 'cases')).items.length, 3);
    const station = (await list('wang.officer', 'cases')).items;
    assert.equal(station.length, 2, 'a station officer sees only the station');
    assert.ok(station.every((c) => c.caseNo?.startsWith('GY-NM-HX-')));
    assert.equal((await list('zhang.supervisor', 'cases')).items.length, 2, '反诈中心 has cases');
    assert.equal((await list('li.officer', 'dissuasions')).items.length, 1);
    assert.equal((await list('liu.icbc', 'freeze-orders')).items.length, 2);
    assert.equal((await list('zhou.officer', 'ceremonies')).items.length, 1);
    const ccb = (await list('zhao.ccb', 'freeze-orders')).items as { expiresAt: string }[];
    assert.equal(ccb.length, 1, 'CCB has the freeze near its expiry');
    const leftDays = (new Date(ccb[0].expiresAt).getTime() - Date.now()) / 86_400_000;
    assert.ok(leftDays > 4 && leftDays < 6, `the freeze lapses in 5 days, not ${leftDays}`);
    assert.equal(await count(t, 'SELECT count(*) AS n FROM deliveries'), 3);
  });

  it("the README's ten requests run as written against the demo data", async () => {
    const script = tourScript().replace(/^B=.*$/m, `B=${base}/api/v1`);
    const { code, out } = await runBash(script);
    assert.equal(code, 0, out);
    assert.match(out, /"counts":\{"queued":3/, 'the warning has three deliveries');
    assert.match(out, /"byFraudType":\[\{"fraudType":"impersonate_authorities"/);
    assert.equal((tourScript().match(/^curl /gm) ?? []).length, 10, 'ten requests');
  });

  it('loading the demo again adds nothing', async () => {
    const before = await count(t, 'SELECT count(*) AS n FROM cases');
    assert.equal(await t.app.get(DemoCasesSeeder).load(), 0);
    assert.equal(await t.app.get(DemoRecoveriesSeeder).load(), false);
    assert.equal(await t.app.get(DemoWarningsSeeder).load(), false);
    assert.equal(await count(t, 'SELECT count(*) AS n FROM cases'), before);
  });
});
