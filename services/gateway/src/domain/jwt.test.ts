import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { keyFromJwk, looksLikeJwt, verifyJwt } from './jwt';

const NOW = 1_800_000_000;
const expect_ = { issuer: 'https://issuer.example/tenant/v2.0', audience: 'api://tenantatlas' };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = new Map<string, KeyObject>([
  ['rsa-1', keyFromJwk(rsa.publicKey.export({ format: 'jwk' }))],
  ['ec-1', keyFromJwk(ec.publicKey.export({ format: 'jwk' }))],
]);

function token(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'rsa-1' }, key: KeyObject = rsa.privateKey): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${enc(header)}.${enc(claims)}`;
  const signature = header.alg === 'ES256' ? sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(data), key);
  return `${data}.${signature.toString('base64url')}`;
}

const valid = { iss: expect_.issuer, aud: expect_.audience, sub: 'u1', email: 'a@example.test', exp: NOW + 300, nbf: NOW - 10 };

describe('OIDC token verification', () => {
  it('accepts a token signed by a published key for our audience', () => {
    expect(verifyJwt(token(valid), keys, expect_, NOW)).toEqual({ ok: true, claims: valid });
    expect(verifyJwt(token({ ...valid, aud: ['other', expect_.audience] }), keys, expect_, NOW).ok).toBe(true);
    expect(verifyJwt(token(valid, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey), keys, expect_, NOW).ok).toBe(true);
  });

  it.each([
    ['wrong issuer', { ...valid, iss: 'https://evil.example' }],
    ['wrong audience', { ...valid, aud: 'api://someone-else' }],
    ['expired', { ...valid, exp: NOW - 120 }],
    ['not yet valid', { ...valid, nbf: NOW + 600 }],
    ['expired', { ...valid, exp: undefined }],
  ])('refuses a token with %s', (reason, claims) => {
    expect(verifyJwt(token(claims), keys, expect_, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses unsigned, HMAC, tampered and unknown-key tokens', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(verifyJwt(`${enc({ alg: 'none' })}.${enc(valid)}.x`, keys, expect_, NOW)).toMatchObject({ reason: 'algorithm not allowed' });
    expect(verifyJwt(`${enc({ alg: 'HS256', kid: 'rsa-1' })}.${enc(valid)}.x`, keys, expect_, NOW)).toMatchObject({ reason: 'algorithm not allowed' });
    const [h, , s] = token(valid).split('.');
    expect(verifyJwt(`${h}.${enc({ ...valid, email: 'admin@example.test' })}.${s}`, keys, expect_, NOW)).toMatchObject({ reason: 'bad signature' });
    expect(verifyJwt(token(valid, { alg: 'RS256', kid: 'rotated' }), keys, expect_, NOW)).toEqual({ ok: false, reason: 'unknown key', kid: 'rotated' });
    expect(verifyJwt('a.b', keys, expect_, NOW)).toMatchObject({ reason: 'malformed' });
  });

  it('tells JWTs from API tokens', () => {
    expect(looksLikeJwt(token(valid))).toBe(true);
    expect(looksLikeJwt('ta_0c6c.abc')).toBe(false);
  });
});
