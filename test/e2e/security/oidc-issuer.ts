/**
 * A stand-in OIDC identity provider for tests: an HTTP server with the discovery document and the
 * JWKS, and helpers that mint tokens — properly signed ones and the forgeries a gateway must refuse.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInIssuer {
  /** the `iss` value (and the base of the discovery document) */
  issuer: string;
  audience: string;
  kid: string;
  publicKey: KeyObject;
  /** an RS256 token signed by this issuer's key; claims override iss/aud/exp (`undefined` leaves one out) */
  mint(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /** header.payload signed with any function of the signing input (for forgeries) */
  assemble(header: Record<string, unknown>, claims: Record<string, unknown>, signature: (input: string) => string): string;
  /** the default claims of a token for this issuer and audience */
  claims(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startIssuer(options: { audience: string; kid?: string }): Promise<StandInIssuer> {
  const kid = options.kid ?? 'k1';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/issuer/.well-known/openid-configuration') {
      return void res.end(JSON.stringify({ issuer: `${base}/issuer`, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    }
    if (req.url === '/keys') return void res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;

  const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuer, aud: options.audience, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, ...extra });
  const assemble: StandInIssuer['assemble'] = (header, body, signature) => {
    const input = `${b64url(header)}.${b64url(body)}`;
    return `${input}.${signature(input)}`;
  };
  return {
    issuer,
    audience: options.audience,
    kid,
    publicKey,
    claims,
    assemble,
    mint: (extra, header = {}) =>
      assemble({ alg: 'RS256', kid, typ: 'JWT', ...header }, claims(extra), (input) => sign('sha256', Buffer.from(input), privateKey).toString('base64url')),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** HS256 over the signing input with `secret` as the HMAC key (the classic RS→HS confusion attack). */
export const hs256 = (secret: string | Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
