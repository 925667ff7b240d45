import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../harness.js';

/** Values that must never reach a log line, whatever the request did with them. */
const PHONE = '13912345678';
const CARD = '6222020200112233445';
const BROKEN_LOOKUP_PHONE = '13698765432';
const ACK_TOKEN = '1999999999.SeCrEtAcKtOkEnVaLuE';

describe('logs carry no secrets or personal data', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await bootApp(
      'postgres',
      { logLevel: 'info' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
  });
  afterAll(() => t.close());

  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs each request by route and status with its id, never query values, tokens or SQL parameters', async () => {
    const officer = await t.token(USERS.officer);
    const auth = { authorization: `Bearer ${officer}` };

    const phone = await t
      .http()
      .get(`/api/v1/identifiers/lookup?kind=phone&value=${PHONE}`)
      .set(auth);
    assert.ok([200, 404].includes(phone.status), phone.text);
    const card = await t
      .http()
      .get(`/api/v1/identifiers/lookup?kind=bank_card&value=${CARD}`)
      .set(auth);
    assert.ok(card.status < 500, card.text);
    const ack = await t
      .http()
      .get(`/api/v1/deliveries/00000000-0000-4000-8000-000000000000/ack?token=${ACK_TOKEN}`);
    assert.ok(ack.status < 500, ack.text);
    // The page behind a message's link, opened and its button pressed (token in the form body).
    const page = `/m/deliveries/00000000-0000-4000-8000-000000000000`;
    await t.http().get(`${page}?token=${ACK_TOKEN}`).expect(403);
    await t.http().post(page).type('form').send({ token: ACK_TOKEN }).expect(403);

    // A database error whose statement carries a phone as a parameter.
    await t.db.query('ALTER TABLE identifiers RENAME TO identifiers_hidden');
    let broken;
    try {
      broken = await t
        .http()
        .get(`/api/v1/identifiers/lookup?kind=phone&value=${BROKEN_LOOKUP_PHONE}`)
        .set(auth)
        .set('x-api-key', 'jwk_00000000_not-a-key-but-secret-looking-anyway-0123456789');
    } finally {
      await t.db.query('ALTER TABLE identifiers_hidden RENAME TO identifiers');
    }
    assert.equal(broken.status, 500, broken.text);
    const requestId = String(broken.headers['x-request-id']);

    const text = lines.join('');
    for (const secret of [PHONE, CARD, BROKEN_LOOKUP_PHONE, ACK_TOKEN, officer, 'not-a-key']) {
      assert.ok(!text.includes(secret), `the log holds ${secret}`);
    }
    const entries = logged();
    const requestLine = entries.find(
      (e) => e.requestId === requestId && e.msg === 'request completed',
    );
    assert.ok(requestLine, `no request line for ${requestId}`);
    assert.equal(requestLine.statusCode, 500);
    assert.equal(requestLine.route, '/api/v1/identifiers/lookup');
    assert.equal(requestLine.url, '/api/v1/identifiers/lookup?kind=…&value=…');

    const errorLine = entries.find((e) => e.requestId === requestId && e.msg === 'Unhandled error');
    assert.ok(errorLine, `no error line for ${requestId}`);
    const err = errorLine.err as Record<string, unknown>;
    assert.equal(err.type, 'QueryFailedError');
    assert.equal(err.code, '42P01', 'the PostgreSQL error code is kept');
    assert.match(String(err.query), /FROM identifiers/, 'the SQL text is kept');
    assert.equal(err.parameters, undefined);
    assert.equal(err.driverError, undefined);
  });
});
