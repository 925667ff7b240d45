import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest and blind indexes for victim PII (受害人个人信息: name, ID number, phone,
 * address).
 *
 * Ciphertexts are self-describing strings `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), so a
 * text column holds them and a key can be rotated: new values use the current key, old values
 * still name the key they need. The blind index is an HMAC with a key of its own, so finding a
 * victim by exact ID number or phone never needs the encryption key, and the index reveals
 * nothing to whoever holds only the database.
 */

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;
/** Key ids sit between dots in the ciphertext, so they may not contain one. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

const HKDF_INFO_ENCRYPTION = 'jingwang pii encryption';
const HKDF_INFO_INDEX = 'jingwang blind index';

export interface PiiCipherOptions {
  /** 32-byte AES keys by key id; every key that may still appear in stored data. */
  keys: ReadonlyMap<string, Buffer>;
  /** The key new ciphertexts are made with. */
  currentKeyId: string;
  /** The HMAC key of blind indexes; at least 32 bytes. */
  indexKey: Buffer;
}

/** A stored value that cannot be decrypted: malformed, tampered with, or made with a key we lack. */
export class PiiDecryptError extends Error {
  override readonly name = 'PiiDecryptError';
}

function hkdf(master: Buffer, info: string): Buffer {
  // The master key is uniformly random, so HKDF needs no salt (RFC 5869 §3.1).
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, KEY_BYTES));
}

export class PiiCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentKeyId: string;
  private readonly indexKey: Buffer;

  constructor(options: PiiCipherOptions) {
    for (const [id, key] of options.keys) {
      if (!KEY_ID.test(id))
        throw new Error(`PII key id "${id}" must be 1-64 letters, digits, _ or -`);
      if (key.length !== KEY_BYTES) throw new Error(`PII key "${id}" must be ${KEY_BYTES} bytes`);
    }
    if (!options.keys.has(options.currentKeyId)) {
      throw new Error(`The current PII key id "${options.currentKeyId}" has no key`);
    }
    if (options.indexKey.length < KEY_BYTES) {
      throw new Error(`The blind-index key must be at least ${KEY_BYTES} bytes`);
    }
    // Copies, so a caller that later reuses or zeroes its buffers does not change ours.
    this.keys = new Map([...options.keys].map(([id, key]) => [id, Buffer.from(key)]));
    this.currentKeyId = options.currentKeyId;
    this.indexKey = Buffer.from(options.indexKey);
  }

  /**
   * From one 32-byte master key (`PII_KEY`), two independent keys by HKDF-SHA256: one for
   * AES-GCM under `keyId`, one for blind indexes. Knowing one derived key tells nothing of the other.
   */
  static fromMasterKey(masterKey: Buffer, keyId: string): PiiCipher {
    if (masterKey.length !== KEY_BYTES)
      throw new Error(`The PII master key must be ${KEY_BYTES} bytes`);
    return new PiiCipher({
      keys: new Map([[keyId, hkdf(masterKey, HKDF_INFO_ENCRYPTION)]]),
      currentKeyId: keyId,
      indexKey: hkdf(masterKey, HKDF_INFO_INDEX),
    });
  }

  /** AES-256-GCM with a fresh random IV, so equal plaintexts give unrelated ciphertexts. */
  encrypt(plain: string): string {
    const keyId = this.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key(keyId), iv, { authTagLength: TAG_BYTES });
    // The header is authenticated too, so a ciphertext cannot be relabelled with another key id.
    cipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, keyId, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext of `encrypt`'s output, made with any key this cipher holds. */
  decrypt(stored: string): string {
    const parts = stored.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new PiiDecryptError(`Not a ${VERSION} PII ciphertext`);
    }
    const [, keyId, ivText, tagText, bodyText] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw new PiiDecryptError(`PII ciphertext uses unknown key id "${keyId}"`);
    // Buffer.from(…, 'base64url') skips characters it does not know; refuse them instead.
    if (![ivText, tagText, bodyText].every((p) => B64URL.test(p))) {
      throw new PiiDecryptError('PII ciphertext is not base64url');
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new PiiDecryptError('PII ciphertext has a malformed IV or tag');
    }
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
    decipher.setAuthTag(tag);
    try {
      const plain = Buffer.concat([
        decipher.update(Buffer.from(bodyText, 'base64url')),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch {
      throw new PiiDecryptError(
        `PII ciphertext failed authentication (tampered with, or not made with key "${keyId}")`,
      );
    }
  }

  /**
   * A keyed hash for exact-match search: HMAC-SHA256 of `kind:value`, hex. The kind is part of
   * the input so equal strings of different kinds (an ID number and a phone) never collide.
   * The value must already be normalized (see common/validation/identifiers.ts), or the same
   * number typed two ways would not be found.
   */
  blindIndex(kind: string, normalizedValue: string): string {
    return createHmac('sha256', this.indexKey)
      .update(`${kind}:${normalizedValue}`, 'utf8')
      .digest('hex');
  }

  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new Error(`No PII key "${id}"`);
    return key;
  }
}
