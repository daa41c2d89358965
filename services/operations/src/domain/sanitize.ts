/**
 * Messages stored on a run, returned to callers and published in events must never carry a secret
 * or a raw provider body. Handlers already choose their own words; this is the last line of
 * defence for anything that slipped through (a token in an exception text, a JSON body).
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/bearer\s+[\w\-.~+/]+=*/gi, 'Bearer [redacted]'],
  [/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted-token]'],
  [/((?:client_)?secret|password|passwd|token|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi, '$1$2[redacted]'],
];

export const MAX_MESSAGE_LENGTH = 300;

export function sanitizeMessage(message: string | null | undefined): string | null {
  if (!message) return null;
  let text = message.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  // A provider body (JSON/XML/HTML) is not a message; keep only that there was one.
  if (/^\s*[{[<]/.test(text)) return 'the provider returned an unexpected response';
  for (const [pattern, replacement] of SECRET_PATTERNS) text = text.replace(pattern, replacement);
  text = text.trim();
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

/** Reason codes are stable identifiers (PROVIDER.THROTTLED); anything else is replaced. */
export function sanitizeReasonCode(code: string | null | undefined, fallback = 'RUN.UNKNOWN_ERROR'): string {
  return code && /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)*$/.test(code) && code.length <= 80 ? code : fallback;
}

/** Summary counts are flat, finite, non-negative integers under snake_case keys. */
export function sanitizeSummaryCounts(counts: Record<string, unknown> | undefined): Record<string, number> {
  const clean: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts ?? {})) {
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(key)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
    clean[key] = Math.min(Math.floor(value), 2 ** 31 - 1);
  }
  return clean;
}
