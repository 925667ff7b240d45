import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { PiiCipher, PiiDecryptError } from './pii-crypto.js';

const key = (byte: number) => Buffer.alloc(32, byte);

function cipherWith(ids: string[], current: string, indexKey = key(0xee)): PiiCipher {
  return new PiiCipher({
    keys: new Map(ids.map((id, i) => [id, key(i + 1)])),
    currentKeyId: current,
    indexKey,
  });
}

/** Replaces part `i` of a ciphertext with `f(part)`. */
function withPart(s: string, i: number, f: (part: string) => string): string {
  const parts = s.split('.');
  parts[i] = f(parts[i]);
  return parts.join('.');
}

/** Flips one bit of a base64url part. */
const flipBit = (part: string) => {
  const b = Buffer.from(part, 'base64url');
  b[0] ^= 1;
  return b.toString('base64url');
};

describe('PiiCipher', () => {
  const cipher = cipherWith(['k1'], 'k1');

  it('round-trips Chinese text, ASCII, emoji and the empty string', () => {
    for (const plain of [
      '张三',
      '贵阳市云岩区东山路12号',
      '11010519491231002X',
      '13812345678',
      '😀 𠮷',
      '',
    ]) {
      assert.equal(cipher.decrypt(cipher.encrypt(plain)), plain);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (plain) => {
        assert.equal(cipher.decrypt(cipher.encrypt(plain)), plain);
      }),
    );
  });

  it('writes v1.<keyId>.<iv>.<tag>.<ciphertext> in base64url', () => {
    const parts = cipher.encrypt('张三').split('.');
    assert.equal(parts.length, 5);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], 'k1');
    assert.equal(Buffer.from(parts[2], 'base64url').length, 12);
    assert.equal(Buffer.from(parts[3], 'base64url').length, 16);
    assert.equal(Buffer.from(parts[4], 'base64url').length, Buffer.byteLength('张三'));
    for (const p of parts) assert.match(p, /^[A-Za-z0-9_-]+$/);
  });

  it('uses a fresh IV each time, so equal plaintexts differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(cipher.encrypt('13812345678').split('.')[2]);
    assert.equal(seen.size, 200);
    assert.notEqual(cipher.encrypt('张三'), cipher.encrypt('张三'));
  });

  it('detects tampering with the ciphertext, tag or IV', () => {
    const s = cipher.encrypt('11010519491231002X');
    for (const i of [2, 3, 4]) {
      assert.throws(() => cipher.decrypt(withPart(s, i, flipBit)), PiiDecryptError, `part ${i}`);
    }
    assert.throws(() => cipher.decrypt(withPart(s, 4, (p) => p.slice(0, -2))), PiiDecryptError);
    assert.throws(() => cipher.decrypt(withPart(s, 4, (p) => `${p}AA`)), PiiDecryptError);
  });

  it('detects any single flipped bit of the ciphertext body', () => {
    const s = cipher.encrypt('欧阳娜娜');
    const body = Buffer.from(s.split('.')[4], 'base64url');
    for (let bit = 0; bit < body.length * 8; bit++) {
      const b = Buffer.from(body);
      b[bit >> 3] ^= 1 << (bit & 7);
      assert.throws(
        () => cipher.decrypt(withPart(s, 4, () => b.toString('base64url'))),
        PiiDecryptError,
      );
    }
  });

  it('refuses a ciphertext relabelled with another key id it holds', () => {
    const two = cipherWith(['k1', 'k2'], 'k1');
    const s = two.encrypt('张三');
    assert.throws(() => two.decrypt(withPart(s, 1, () => 'k2')), /failed authentication/);
  });

  it('refuses malformed input with a clear error', () => {
    assert.throws(() => cipher.decrypt('张三'), /Not a v1 PII ciphertext/);
    assert.throws(() => cipher.decrypt('v2.k1.a.b.c'), /Not a v1 PII ciphertext/);
    assert.throws(() => cipher.decrypt('v1.k1.a.b'), /Not a v1 PII ciphertext/);
    const s = cipher.encrypt('x');
    assert.throws(() => cipher.decrypt(withPart(s, 4, (p) => `${p}!`)), /not base64url/);
    assert.throws(() => cipher.decrypt(withPart(s, 2, (p) => p.slice(4))), /malformed IV or tag/);
  });

  it('names an unknown key id', () => {
    const other = cipherWith(['old'], 'old');
    assert.throws(() => cipher.decrypt(other.encrypt('张三')), {
      name: 'PiiDecryptError',
      message: 'PII ciphertext uses unknown key id "old"',
    });
  });

  it('rotates: old ciphertexts still decrypt after a new current key is added', () => {
    const before = new PiiCipher({
      keys: new Map([['k1', key(1)]]),
      currentKeyId: 'k1',
      indexKey: key(9),
    });
    const stored = before.encrypt('张三');
    const after = new PiiCipher({
      keys: new Map([
        ['k1', key(1)],
        ['k2', key(2)],
      ]),
      currentKeyId: 'k2',
      indexKey: key(9),
    });
    assert.equal(after.decrypt(stored), '张三');
    const fresh = after.encrypt('李四');
    assert.equal(fresh.split('.')[1], 'k2');
    assert.equal(after.decrypt(fresh), '李四');
    // The old cipher cannot read what the new key wrote, and says why.
    assert.throws(() => before.decrypt(fresh), /unknown key id "k2"/);
    // The blind index does not depend on the encryption keys, so searches survive rotation.
    assert.equal(
      after.blindIndex('phone', '13812345678'),
      before.blindIndex('phone', '13812345678'),
    );
  });

  it('checks its keys when constructed', () => {
    assert.throws(() => cipherWith(['k1'], 'k2'), /current PII key id "k2" has no key/);
    assert.throws(
      () =>
        new PiiCipher({
          keys: new Map([['k1', Buffer.alloc(16)]]),
          currentKeyId: 'k1',
          indexKey: key(9),
        }),
      /must be 32 bytes/,
    );
    assert.throws(() => cipherWith(['k.1'], 'k.1'), /key id "k.1"/);
    assert.throws(() => cipherWith(['k1'], 'k1', Buffer.alloc(8)), /blind-index key/);
  });
});

describe('PiiCipher.blindIndex', () => {
  const cipher = cipherWith(['k1'], 'k1', key(0x42));

  it('is HMAC-SHA256 of kind:value in hex', () => {
    const want = createHmac('sha256', key(0x42))
      .update('id_number:11010519491231002X')
      .digest('hex');
    assert.equal(cipher.blindIndex('id_number', '11010519491231002X'), want);
    assert.match(want, /^[0-9a-f]{64}$/);
  });

  it('is stable for the same input and differs by kind and by value', () => {
    const a = cipher.blindIndex('phone', '13812345678');
    assert.equal(cipher.blindIndex('phone', '13812345678'), a);
    assert.notEqual(cipher.blindIndex('id_number', '13812345678'), a);
    assert.notEqual(cipher.blindIndex('phone', '13812345679'), a);
  });

  it('depends on the index key', () => {
    const other = cipherWith(['k1'], 'k1', key(0x43));
    assert.notEqual(
      other.blindIndex('phone', '13812345678'),
      cipher.blindIndex('phone', '13812345678'),
    );
  });
});

describe('PiiCipher.fromMasterKey', () => {
  const master = randomBytes(32);
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));

  it('encrypts under the given key id and decrypts', () => {
    const c = PiiCipher.fromMasterKey(master, 'k7');
    const s = c.encrypt('欧阳娜娜');
    assert.equal(s.split('.')[1], 'k7');
    assert.equal(c.decrypt(s), '欧阳娜娜');
  });

  it('is deterministic: the same master key reads what another instance wrote', () => {
    const s = PiiCipher.fromMasterKey(master, 'k1').encrypt('张三');
    assert.equal(PiiCipher.fromMasterKey(Buffer.from(master), 'k1').decrypt(s), '张三');
    assert.throws(() => PiiCipher.fromMasterKey(randomBytes(32), 'k1').decrypt(s), PiiDecryptError);
  });

  it('derives the index key by HKDF-SHA256 with info "jingwang blind index", apart from the encryption key', () => {
    const c = PiiCipher.fromMasterKey(master, 'k1');
    const indexKey = derive('jingwang blind index');
    const want = createHmac('sha256', indexKey).update('phone:13812345678').digest('hex');
    assert.equal(c.blindIndex('phone', '13812345678'), want);
    // Neither the master key nor the encryption key is the index key.
    const withMaster = createHmac('sha256', master).update('phone:13812345678').digest('hex');
    assert.notEqual(c.blindIndex('phone', '13812345678'), withMaster);
    const encKey = derive('jingwang pii encryption');
    const reader = new PiiCipher({
      keys: new Map([['k1', encKey]]),
      currentKeyId: 'k1',
      indexKey: encKey,
    });
    assert.equal(reader.decrypt(c.encrypt('张三')), '张三');
    assert.notEqual(reader.blindIndex('phone', '13812345678'), want);
  });

  it('refuses a master key of the wrong size', () => {
    assert.throws(() => PiiCipher.fromMasterKey(Buffer.alloc(16), 'k1'), /must be 32 bytes/);
  });
});
