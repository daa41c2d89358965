import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Verification of OIDC access/ID tokens (e.g. from Entra ID) against the issuer's published keys.
 * Only asymmetric algorithms are accepted: `none` and HMAC would let anyone who knows the audience
 * mint tokens.
 */
const ALGORITHMS: Record<string, { hash: string; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  ES256: { hash: 'sha256', dsaEncoding: 'ieee-p1363' },
  ES384: { hash: 'sha384', dsaEncoding: 'ieee-p1363' },
};

export interface JwtExpectations {
  issuer: string;
  audience: string;
  /** seconds of clock skew tolerated on exp / nbf */
  skewSeconds?: number;
}

export type JwtClaims = Record<string, unknown> & { iss?: string; sub?: string; aud?: string | string[]; exp?: number; nbf?: number };

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string; kid?: string };

const decode = (part: string): Record<string, unknown> | null => {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

export function keyFromJwk(jwk: JsonWebKey): KeyObject {
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** `keys` by key id; `now` in seconds. */
export function verifyJwt(token: string, keys: ReadonlyMap<string, KeyObject>, expect: JwtExpectations, now: number): JwtResult {
  const [rawHeader, rawPayload, rawSignature] = token.split('.');
  if (!rawHeader || !rawPayload || !rawSignature) return { ok: false, reason: 'malformed' };
  const header = decode(rawHeader);
  const claims = decode(rawPayload) as JwtClaims | null;
  if (!header || !claims) return { ok: false, reason: 'malformed' };
  const algorithm = ALGORITHMS[String(header.alg)];
  if (!algorithm) return { ok: false, reason: 'algorithm not allowed' };
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const key = keys.get(kid);
  if (!key) return { ok: false, reason: 'unknown key', kid };
  const signed = verify(
    algorithm.hash,
    Buffer.from(`${rawHeader}.${rawPayload}`),
    algorithm.dsaEncoding ? { key, dsaEncoding: algorithm.dsaEncoding } : key,
    Buffer.from(rawSignature, 'base64url'),
  );
  if (!signed) return { ok: false, reason: 'bad signature' };
  const skew = expect.skewSeconds ?? 60;
  if (claims.iss !== expect.issuer) return { ok: false, reason: 'wrong issuer' };
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expect.audience)) return { ok: false, reason: 'wrong audience' };
  if (typeof claims.exp !== 'number' || claims.exp + skew <= now) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) return { ok: false, reason: 'not yet valid' };
  return { ok: true, claims };
}
