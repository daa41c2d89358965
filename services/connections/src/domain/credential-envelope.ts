import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Credentials are sealed with AES-256-GCM (authenticated encryption). The envelope names the key
 * it was sealed with, so keys can rotate: new secrets use the active key, older envelopes stay
 * readable as long as their key is still configured. The connection id is bound in as additional
 * authenticated data, so an envelope copied onto another connection does not open.
 */
export const ENVELOPE_ALGORITHM = 'A256GCM';

export interface SealedCredential {
  alg: typeof ENVELOPE_ALGORITHM;
  keyId: string;
  /** base64, 12 bytes */
  iv: string;
  /** base64, 16 bytes */
  tag: string;
  /** base64 */
  ciphertext: string;
}

export interface EncryptionKey {
  id: string;
  /** 32 bytes */
  key: Buffer;
}

export class CredentialKeyError extends Error {
  constructor(
    readonly reason: 'unknown_key' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'CredentialKeyError';
  }
}

export class Keyring {
  private readonly keys = new Map<string, Buffer>();

  constructor(keys: EncryptionKey[], readonly activeKeyId: string) {
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes, got ${key.length}`);
      this.keys.set(id, key);
    }
    if (!this.keys.has(activeKeyId)) throw new Error(`active encryption key ${activeKeyId} is not configured`);
  }

  seal(plaintext: string, boundTo: string): SealedCredential {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      alg: ENVELOPE_ALGORITHM,
      keyId: this.activeKeyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  open(envelope: SealedCredential, boundTo: string): string {
    const key = this.keys.get(envelope.keyId);
    if (!key || envelope.alg !== ENVELOPE_ALGORITHM) {
      throw new CredentialKeyError('unknown_key', `credential key ${envelope.keyId} is not configured`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never echo the cause: it may quote key material or the ciphertext.
      throw new CredentialKeyError('tampered', 'credential envelope failed authentication');
    }
  }

  /** True when the envelope was sealed with a key other than the active one (re-seal on rotation). */
  isOutdated(envelope: SealedCredential): boolean {
    return envelope.keyId !== this.activeKeyId;
  }
}

/**
 * Parses `id1:base64key,id2:base64key`. Key ids are short labels (letters, digits, `-`, `_`, `.`).
 * Returns an error message instead of throwing so config validation can name the variable.
 */
export function parseKeyList(value: string): EncryptionKey[] | string {
  const keys: EncryptionKey[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const separator = part.indexOf(':');
    const id = separator > 0 ? part.slice(0, separator) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) return 'expected id:base64key entries separated by commas';
    const key = Buffer.from(part.slice(separator + 1), 'base64');
    if (key.length !== 32) return `key ${id} must decode to 32 bytes (base64 of 32 random bytes)`;
    if (keys.some((k) => k.id === id)) return `key id ${id} appears twice`;
    keys.push({ id, key });
  }
  return keys.length > 0 ? keys : 'at least one key is required';
}
