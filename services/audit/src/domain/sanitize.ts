/**
 * Producers promise never to put a secret into an event; audit does not take that on trust.
 * Everything an audit record keeps from `data` passes through here first: keys that look like a
 * credential are dropped, values that look like one are masked, and sizes are bounded so one
 * oversized event cannot bloat the log.
 */
export type Summary = Record<string, string>;

const SECRET_KEY =
  /secret|passw(or)?d|passphrase|pwd|token|credential|api[-_]?key|private[-_]?key|authorization|cookie|bearer|signature|certificate|connection[-_]?string|session[-_]?key/i;

const SECRET_VALUE = [
  /^Bearer\s+\S+/i,
  /^Basic\s+[A-Za-z0-9+/=]{8,}$/i,
  // JSON Web Token: three base64url segments, the first one an encoded JSON header
  /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

export const REDACTED = '[redacted]';
export const MAX_SUMMARY_KEYS = 50;
export const MAX_VALUE_LENGTH = 1_000;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** MongoDB field names may not start with `$`, and a `.` would read as a path. */
function storableKey(key: string): string {
  return key.replace(/^\$/, '_').replace(/\./g, '_');
}

function truncate(value: string): string {
  return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH - 1)}…` : value;
}

/** Removes secret-looking keys at any depth of a nested value; masks secret-looking strings. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 5) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, MAX_SUMMARY_KEYS).map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (!isSecretKey(key)) out[key] = scrub(inner, depth + 1);
  }
  return out;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return truncate(looksLikeSecretValue(value) ? REDACTED : value);
  if (value === undefined) return '';
  return truncate(JSON.stringify(scrub(value)) ?? '');
}

/**
 * A flat, string-valued summary of an object: secret-looking keys dropped, non-string values as
 * JSON text, keys sorted, at most MAX_SUMMARY_KEYS of them. Anything that is not a plain object
 * yields an empty summary.
 */
export function sanitizeSummary(value: unknown, omit: readonly string[] = []): Summary {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const summary: Summary = {};
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((key) => !omit.includes(key) && !isSecretKey(key))
    .sort()
    .slice(0, MAX_SUMMARY_KEYS);
  for (const key of keys) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner === undefined) continue;
    summary[storableKey(key)] = asText(inner);
  }
  return summary;
}
