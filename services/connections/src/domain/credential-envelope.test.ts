import { randomBytes } from 'node:crypto';
import { CredentialKeyError, Keyring, parseKeyList } from './credential-envelope';

const key = (id: string) => ({ id, key: randomBytes(32) });
const SECRET = 'canary-Secret~value.1234567890';

describe('credential envelope (AES-256-GCM)', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('seals to an envelope that names its key and does not contain the secret', () => {
    const envelope = new Keyring([k1], 'k1').seal(SECRET, 'conn-1');
    expect(envelope).toMatchObject({ alg: 'A256GCM', keyId: 'k1' });
    expect(JSON.stringify(envelope)).not.toContain(SECRET);
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
  });

  it('opens what it sealed, and two seals of the same secret differ', () => {
    const ring = new Keyring([k1], 'k1');
    const a = ring.seal(SECRET, 'conn-1');
    const b = ring.seal(SECRET, 'conn-1');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(ring.open(a, 'conn-1')).toBe(SECRET);
    expect(ring.open(b, 'conn-1')).toBe(SECRET);
  });

  it('refuses an envelope moved to another connection', () => {
    const ring = new Keyring([k1], 'k1');
    const envelope = ring.seal(SECRET, 'conn-1');
    expect(() => ring.open(envelope, 'conn-2')).toThrow(CredentialKeyError);
  });

  it('refuses a tampered ciphertext or tag', () => {
    const ring = new Keyring([k1], 'k1');
    const envelope = ring.seal(SECRET, 'conn-1');
    const bytes = Buffer.from(envelope.ciphertext, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    expect(() => ring.open({ ...envelope, ciphertext: bytes.toString('base64') }, 'conn-1')).toThrow('failed authentication');
    const tag = Buffer.from(envelope.tag, 'base64');
    tag[0] = tag[0]! ^ 0x01;
    expect(() => ring.open({ ...envelope, tag: tag.toString('base64') }, 'conn-1')).toThrow('failed authentication');
  });

  it('rotates keys: new seals use the active key, old envelopes still open while their key is kept', () => {
    const before = new Keyring([k1], 'k1').seal(SECRET, 'conn-1');
    const rotated = new Keyring([k2, k1], 'k2');
    expect(rotated.open(before, 'conn-1')).toBe(SECRET);
    expect(rotated.isOutdated(before)).toBe(true);
    const after = rotated.seal(SECRET, 'conn-1');
    expect(after.keyId).toBe('k2');
    expect(rotated.isOutdated(after)).toBe(false);
  });

  it('reports an envelope whose key was retired as unknown_key', () => {
    const envelope = new Keyring([k1], 'k1').seal(SECRET, 'conn-1');
    const error = (() => {
      try {
        new Keyring([k2], 'k2').open(envelope, 'conn-1');
      } catch (err) {
        return err as CredentialKeyError;
      }
    })();
    expect(error?.reason).toBe('unknown_key');
  });

  it('rejects keys of the wrong length and an unknown active key id', () => {
    expect(() => new Keyring([{ id: 'short', key: randomBytes(16) }], 'short')).toThrow('32 bytes');
    expect(() => new Keyring([k1], 'k9')).toThrow('not configured');
  });
});

describe('parseKeyList', () => {
  const b64 = randomBytes(32).toString('base64');

  it('parses id:base64 pairs in order', () => {
    const keys = parseKeyList(`k2:${b64}, k1:${b64}`);
    expect(Array.isArray(keys) && keys.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it.each([
    ['', 'at least one key is required'],
    [`:${b64}`, 'expected id:base64key'],
    ['k1:c2hvcnQ=', 'must decode to 32 bytes'],
    [`k1:${b64},k1:${b64}`, 'appears twice'],
  ])('explains what is wrong with %j', (value, message) => {
    expect(parseKeyList(value)).toEqual(expect.stringContaining(message));
  });
});
