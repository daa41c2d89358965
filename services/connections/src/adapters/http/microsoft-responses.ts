import { ProviderFailure, type ProviderFailureKind, type ProviderStep } from '../../domain/provider';

/**
 * How Microsoft identity platform and Graph answers become provider-neutral failures. Pure, so
 * every mapping is unit-tested without a network. Messages quote only status codes and Microsoft's
 * error codes, never a response body (bodies can echo request details).
 */

const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Retry-After is either delta-seconds or an HTTP date; anything else means "no hint". */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number {
  if (!value) return 0;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return 0;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** AADSTS codes that mean the application is not (or no longer) consented in the tenant. */
const CONSENT_CODES = new Set([65001, 65004, 650051, 650052, 700016]);
/** AADSTS codes that mean the credential itself is wrong or expired. */
const CREDENTIAL_CODES = new Set([7000215, 7000222, 7000216, 700027, 700023]);
/** AADSTS codes that mean the tenant does not exist (or is not reachable by this name). */
const TENANT_CODES = new Set([90002, 900023, 90072]);

function aadstsCodes(body: unknown): number[] {
  if (!body || typeof body !== 'object') return [];
  const record = body as { error_codes?: unknown; error_description?: unknown };
  const codes = Array.isArray(record.error_codes) ? record.error_codes.filter((c): c is number => typeof c === 'number') : [];
  if (typeof record.error_description === 'string') {
    for (const match of record.error_description.matchAll(/AADSTS(\d+)/g)) codes.push(Number(match[1]));
  }
  return codes;
}

function graphErrorCode(body: unknown): string {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code.slice(0, 80) : '';
}

function failure(kind: ProviderFailureKind, step: ProviderStep, message: string, retryAfterMs = 0, providerCode = '') {
  return new ProviderFailure(kind, step, message, retryAfterMs, providerCode);
}

/** Classifies a non-2xx answer of the token endpoint or of Graph. */
export function classifyResponse(
  step: ProviderStep,
  status: number,
  retryAfterHeader: string | null,
  body: unknown,
  now = Date.now(),
): ProviderFailure {
  const where = step === 'token' ? 'sign-in' : `Graph ${step} request`;
  if (status === 429) return failure('throttled', step, `${where} throttled (429)`, parseRetryAfter(retryAfterHeader, now));
  if (status === 502 || status === 503 || status === 504 || status === 500) {
    return failure('unavailable', step, `${where} unavailable (${status})`, parseRetryAfter(retryAfterHeader, now));
  }
  if (step === 'token') {
    const codes = aadstsCodes(body);
    const code = codes[0] ? `AADSTS${codes[0]}` : '';
    const error = (body as { error?: unknown } | null)?.error;
    if (codes.some((c) => CONSENT_CODES.has(c)) || error === 'unauthorized_client') {
      return failure('consent_missing', step, `admin consent is missing for the application (${code || error})`, 0, code);
    }
    if (codes.some((c) => TENANT_CODES.has(c))) return failure('tenant_not_found', step, `tenant not found (${code})`, 0, code);
    if (codes.some((c) => CREDENTIAL_CODES.has(c)) || error === 'invalid_client' || status === 401) {
      return failure('credential_invalid', step, `the client credential was rejected (${code || status})`, 0, code);
    }
    return failure('unexpected', step, `sign-in failed (${status}${code ? ` ${code}` : ''})`, 0, code);
  }
  const code = graphErrorCode(body);
  if (status === 401) return failure('consent_missing', step, `Graph rejected the token (401 ${code})`.trim(), 0, code);
  if (status === 403) return failure('permission_missing', step, `Graph denied the ${step} request (403 ${code})`.trim(), 0, code);
  return failure('unexpected', step, `unexpected Graph answer (${status}${code ? ` ${code}` : ''})`, 0, code);
}

/** Classifies a request that got no answer at all. */
export function classifyTransportError(step: ProviderStep, err: unknown): ProviderFailure {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return failure('timeout', step, `${step} request timed out`);
  return failure('unavailable', step, `${step} request could not reach the provider`);
}
