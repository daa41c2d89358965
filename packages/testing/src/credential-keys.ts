import { randomBytes } from 'node:crypto';

/**
 * A `CONNECTIONS_ENCRYPTION_KEYS` value for a test's connections process: one random key. The
 * service has no fallback key, so every fixture passes one; a fixture that restarts the process on
 * the same database keeps the value, or the stored credentials stop opening (as in production).
 */
export function testCredentialKeys(keyId = 'test-k1'): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}
