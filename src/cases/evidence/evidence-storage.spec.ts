import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DiskEvidenceStorage, hashOf, newEvidenceKey } from './evidence-storage.js';
// node:fs arrays are made in Node's own realm, not the test's (Jest runs tests in a vm context),
// and deepStrictEqual compares prototypes: spread them into one of the test's arrays first.

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DiskEvidenceStorage', () => {
  let root: string;
  let storage: DiskEvidenceStorage;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'jw-evidence-spec-'));
    storage = new DiskEvidenceStorage(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stores a stream and answers its size and SHA-256, hashed chunk by chunk', async () => {
    const chunks = [Buffer.from('日期,金额\n'), Buffer.alloc(70_000, 7), Buffer.from('end')];
    const whole = Buffer.concat(chunks);
    const key = newEvidenceKey();
    const stored = await storage.put(key, Readable.from(chunks));
    assert.deepEqual(stored, { size: whole.length, sha256: sha256(whole) });
    assert.ok(await storage.exists(key));
    assert.deepEqual(readFileSync(storage.pathOf(key)), whole);
    assert.deepEqual(await hashOf(storage.get(key)), stored);
  });

  it('writes to a temporary name and renames it into place only when the stream ended', async () => {
    const key = newEvidenceKey();
    const input = new PassThrough();
    const stored = storage.put(key, input);
    input.write(Buffer.from('first half; '));
    const dir = dirname(storage.pathOf(key));
    const temps = () =>
      existsSync(dir)
        ? [...readdirSync(dir)].filter((f) => f.startsWith(key) && f.endsWith('.tmp'))
        : [];
    for (let i = 0; i < 400 && temps().length === 0; i++) await pause(5);
    assert.equal(temps().length, 1, 'the bytes go to a temporary file');
    assert.equal(await storage.exists(key), false, 'no file under the key while it streams in');
    input.end(Buffer.from('second half'));
    const result = await stored;
    assert.equal(result.sha256, sha256(Buffer.from('first half; second half')));
    assert.equal(await storage.exists(key), true);
    assert.deepEqual(
      [...readdirSync(dir)].filter((f) => f.startsWith(key)),
      [key],
      'the temporary file became the stored file',
    );
  });

  it('stores nothing, and leaves no temporary file, when the stream fails half-way', async () => {
    const key = newEvidenceKey();
    async function* broken() {
      yield Buffer.from('some bytes');
      throw new Error('client went away');
    }
    await assert.rejects(storage.put(key, Readable.from(broken())), /client went away/);
    assert.equal(await storage.exists(key), false);
    const dir = dirname(storage.pathOf(key));
    assert.deepEqual(
      [...readdirSync(dir)].filter((f) => f.startsWith(key)),
      [],
    );
  });

  it('refuses keys that are not generated ones, so no path can come from a client', async () => {
    for (const bad of ['../etc/passwd', '银行流水.csv', 'a/b', '']) {
      await assert.rejects(storage.put(bad, Readable.from([Buffer.from('x')])), /Not an evidence/);
      assert.throws(() => storage.get(bad), /Not an evidence/);
    }
  });

  it('does not overwrite a stored object', async () => {
    const key = newEvidenceKey();
    await storage.put(key, Readable.from([Buffer.from('original')]));
    await assert.rejects(storage.put(key, Readable.from([Buffer.from('other')])), /already taken/);
    assert.equal(readFileSync(storage.pathOf(key), 'utf8'), 'original');
  });

  it('removes an object, and removing a missing one is no error', async () => {
    const key = newEvidenceKey();
    await storage.put(key, Readable.from([Buffer.from('x')]));
    await storage.remove(key);
    assert.equal(existsSync(storage.pathOf(key)), false);
    await storage.remove(key);
  });
});
