import pino, { type Logger } from 'pino';
import { trace } from '@opentelemetry/api';

/**
 * Paths that may hold a secret anywhere in a log object. pino censors them before serialising, so a
 * secret never reaches a log line even when a caller logs a whole request.
 */
export const REDACTED_PATHS = [
  'secret', '*.secret', '*.*.secret',
  'clientSecret', '*.clientSecret', '*.*.clientSecret',
  'client_secret', '*.client_secret', '*.*.client_secret',
  'password', '*.password', '*.*.password',
  'token', '*.token', '*.*.token',
  'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', '*.headers.authorization', '*.headers.cookie',
  'cookie', '*.cookie',
  'ciphertext', '*.ciphertext', '*.*.ciphertext',
];

export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line carries the active trace so logs join traces on the dashboards.
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    destination,
  );
}

export type { Logger };
