// A webhook URL's host is resolved when the URL is registered, and DNS may take seconds to answer
// (up to the check's 3 s limit). That wait must not hold a database connection or the
// coordinator's row lock: a few such updates at once would otherwise take every connection of the
// pool and everyone else would get 503s. Here a two-connection pool and a DNS that answers only
// when the test lets it (the app's HostResolver answering in DNS's place) show it, and the rule for
// an update that raced another: its new channel settings were checked against the row as it was,
// so a change of the channel meanwhile is a 409, a change of anything else is not.
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
import type { Response } from 'supertest';
import { AlertsSecrets, HostResolver } from '../../src/alerts/index.js';
import { bootApp, TestApp, USERS } from '../harness.js';

type H = Record<string, string>;

/** The webhook hosts of these tests; the held DNS answers a `private-` one with a private address. */
const SLOW_ZONE = 'slow-dns.test';
const SECRET = 'slow-dns-webhook-secret-0123456789';
const CONFLICT =
  'The coordinator’s channel was changed by another update meanwhile; read it again and retry';

/** A DNS server that answers only when the test lets it: a webhook host's slow DNS. */
class HeldDns {
  readonly asked: string[] = [];
  private held: (() => void)[] = [];

  readonly resolve = async (hostname: string): Promise<LookupAddress[]> => {
    this.asked.push(hostname);
    await new Promise<void>((r) => this.held.push(r));
    // 1.1.1.1 is public; 10.0.0.7 is not, so its host is refused (a 400).
    const address = hostname.startsWith('private-') ? '10.0.0.7' : '1.1.1.1';
    return [{ address, family: 4 }];
  };

  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }
}

describe('a coordinator update whose webhook host answers DNS slowly', () => {
  let t: TestApp;
  let chen: H;
  let communityId = '';
  let dns: HeldDns;
  let n = 0;

  /** A webhook coordinator on a public IP literal (no DNS at creation); returns its id. */
  async function createCoordinator(): Promise<string> {
    n++;
    const res = await t
      .http()
      .post('/api/v1/coordinators')
      .set(chen)
      .send({
        name: `慢解析${n}`,
        phone: `1370000${String(2000 + n)}`,
        communityId,
        groupName: `慢解析测试${n}群`,
        channel: 'webhook',
        webhookUrl: `https://1.1.1.1/hook-${n}`,
        webhookSecret: SECRET,
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  /** Starts a PATCH now (supertest sends on `then`) and hands back its answer when it comes. */
  const patch = (id: string, body: Record<string, unknown>): Promise<Response> =>
    t
      .http()
      .patch(`/api/v1/coordinators/${id}`)
      .set(chen)
      .send(body)
      .then((r) => r);

  /** Resolves true once `count` lookups wait on the held DNS, false after `ms` without. */
  async function lookupsWaiting(count: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (dns.waiting < count) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  const row = async (id: string) =>
    (
      (await t.db.query(
        `SELECT name, enabled, webhook_url_masked, webhook_url_enc, webhook_secret_enc
           FROM coordinators WHERE id = $1`,
        [id],
      )) as {
        name: string;
        enabled: boolean;
        webhook_url_masked: string;
        webhook_url_enc: string;
        webhook_secret_enc: string;
      }[]
    )[0];

  const updatesAudited = async (id: string) =>
    (
      (await t.db.query(
        `SELECT count(*)::int AS n FROM audit_events
          WHERE action = 'coordinator.update' AND entity_id = $1`,
        [id],
      )) as { n: number }[]
    )[0].n;

  beforeAll(async () => {
    // Two connections, and a short wait for one: a request finding both busy answers 503 at once.
    t = await bootApp('postgres', {
      runWorkers: false,
      databasePool: { max: 2, timeoutMs: 500 },
    });
    chen = { authorization: `Bearer ${await t.token(USERS.community)}` };
    const [unit] = (await t.db.query(`SELECT id FROM units WHERE code = 'GY-YY-QL-DS'`)) as {
      id: string;
    }[];
    communityId = unit.id;
  });

  beforeEach(() => {
    dns = new HeldDns();
    t.app.get(HostResolver).answerWith(dns.resolve);
  });

  afterEach(() => {
    // Whatever a test left waiting ends (a failing test must not leave requests hanging).
    dns.release();
    t.app.get(HostResolver).answerWith();
  });

  afterAll(() => t?.close());

  it('holds no database connection while it waits: others are served, and every update ends as the URL rules say', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => createCoordinator()));
    const other = await createCoordinator();
    const before = await Promise.all(ids.map((id) => row(id)));
    const hosts = ['hook-a', 'private-hook-b', 'hook-c', 'private-hook-d'];
    const updates = ids.map((id, i) =>
      patch(id, { webhookUrl: `https://${hosts[i]}.${SLOW_ZONE}/in` }),
    );
    // Twice as many updates as connections wait on DNS together. (Were they holding their
    // connections, only two would get this far.)
    const allWaiting = await lookupsWaiting(ids.length, 1500);

    const started = Date.now();
    const read = await t.http().get(`/api/v1/coordinators/${other}`).set(chen);
    const tookMs = Date.now() - started;
    const list = await t.http().get('/api/v1/coordinators?limit=5').set(chen);
    const stillWaiting = dns.waiting;
    dns.release();
    const answers = await Promise.all(updates);

    assert.equal(read.status, 200, `a read during the DNS wait: ${read.status} ${read.text}`);
    assert.ok(tookMs < 1000, `the read took ${tookMs} ms`);
    assert.equal(list.status, 200, list.text);
    assert.ok(allWaiting, `only ${dns.asked.length} of ${ids.length} updates reached DNS`);
    assert.equal(stillWaiting, ids.length, 'the lookups were still waiting during the reads');
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 400, 200, 400],
      JSON.stringify(answers.map((a) => a.body)),
    );
    for (const i of [1, 3]) {
      assert.deepEqual(answers[i].body.details, [
        {
          field: 'webhookUrl',
          problem: 'has a host that resolves to an address that is not allowed',
        },
      ]);
      assert.deepEqual(await row(ids[i]), before[i]);
      assert.equal(await updatesAudited(ids[i]), 0);
    }
    for (const i of [0, 2]) {
      assert.equal(answers[i].body.webhookUrl, `https://${hosts[i]}.${SLOW_ZONE}/in`);
      assert.equal((await row(ids[i])).webhook_url_masked, answers[i].body.webhookUrl);
      assert.equal(await updatesAudited(ids[i]), 1);
    }
  });

  it('two updates of the channel at once: the first to commit wins, the other is a 409 and changes nothing', async () => {
    const id = await createCoordinator();
    const hosts = ['first', 'second', 'third'];
    const updates = hosts.map((h) => patch(id, { webhookUrl: `https://${h}.${SLOW_ZONE}/in` }));
    // All three read the row before any of them commits.
    assert.ok(await lookupsWaiting(hosts.length, 1500), `DNS asked: ${dns.asked.join(', ')}`);
    dns.release();
    const answers = await Promise.all(updates);

    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status === 409);
    assert.equal(won.length, 1, JSON.stringify(answers.map((a) => [a.status, a.body])));
    assert.equal(lost.length, 2);
    for (const a of lost) {
      assert.equal(a.body.message, CONFLICT);
      assert.deepEqual(a.body.details, []);
    }
    const stored = await row(id);
    assert.equal(stored.webhook_url_masked, won[0].body.webhookUrl);
    const cipher = t.app.get(AlertsSecrets).cipher;
    assert.equal(cipher.decrypt(stored.webhook_url_enc), won[0].body.webhookUrl);
    assert.equal(await updatesAudited(id), 1);
  });

  it('another update of the channel while one waits on DNS: the waiting one is a 409, the other’s change stays', async () => {
    const id = await createCoordinator();
    const slow = patch(id, { webhookUrl: `https://late.${SLOW_ZONE}/in` });
    assert.ok(await lookupsWaiting(1, 1500));
    // A new secret needs no DNS: it is saved while the first update waits, without waiting for it.
    const newSecret = 'a-new-webhook-secret-0123456789';
    const before = await row(id);
    const started = Date.now();
    const secret = await patch(id, { webhookSecret: newSecret });
    const tookMs = Date.now() - started;
    assert.equal(secret.status, 200, secret.text);
    assert.ok(tookMs < 2000, `the secret's update waited ${tookMs} ms for the other`);
    dns.release();
    const late = await slow;

    assert.equal(late.status, 409, late.text);
    assert.equal(late.body.message, CONFLICT);
    const stored = await row(id);
    const cipher = t.app.get(AlertsSecrets).cipher;
    assert.equal(cipher.decrypt(stored.webhook_secret_enc), newSecret);
    assert.equal(stored.webhook_url_enc, before.webhook_url_enc);
    assert.equal(await updatesAudited(id), 1);
  });

  it('an update of other fields while one waits on DNS is no conflict: both changes are kept', async () => {
    const id = await createCoordinator();
    const slow = patch(id, { webhookUrl: `https://renamed.${SLOW_ZONE}/in` });
    assert.ok(await lookupsWaiting(1, 1500));
    const started = Date.now();
    const rename = await patch(id, { name: '改名的协调员', enabled: false });
    const tookMs = Date.now() - started;
    assert.equal(rename.status, 200, rename.text);
    assert.ok(tookMs < 2000, `the rename waited ${tookMs} ms for the other update`);
    dns.release();
    const answer = await slow;

    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.webhookUrl, `https://renamed.${SLOW_ZONE}/in`);
    const stored = await row(id);
    assert.equal(stored.name, '改名的协调员');
    assert.equal(stored.enabled, false);
    assert.equal(stored.webhook_url_masked, `https://renamed.${SLOW_ZONE}/in`);
    assert.equal(await updatesAudited(id), 2);
  });

  it('an update of a coordinator outside the caller’s area is a 404 before any DNS lookup', async () => {
    // 新华社区 (南明) is outside chen's 黔灵派出所: put there behind the API's back.
    const [{ id }] = (await t.db.query(
      `INSERT INTO coordinators (name, phone, community_id, group_name, channel)
       SELECT '新华社区协调员', '13700005555', id, '新华社区反诈宣传群', 'manual'
         FROM units WHERE code = 'GY-NM-HX-XH' RETURNING id`,
    )) as { id: string }[];
    const res = await patch(id, {
      channel: 'webhook',
      webhookUrl: `https://outside.${SLOW_ZONE}/in`,
      webhookSecret: SECRET,
    });
    assert.equal(res.status, 404, res.text);
    assert.deepEqual(dns.asked, []);
  });
});
