import { randomBytes } from 'node:crypto';
import { DomainError } from '@tenantatlas/core';
import { testInfra, uniqueName } from './index';

/**
 * One isolated environment for a test file's service processes: their own database and topic
 * prefix on the shared infrastructure (replicas of one service share it), plus the file's settings.
 */
export function isolatedServiceEnv(prefix: string, settings: Record<string, string> = {}): Record<string, string> {
  const infra = testInfra();
  const name = uniqueName(prefix);
  return { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl, MONGO_DB: name, KAFKA_TOPIC_PREFIX: name, LOG_LEVEL: 'info', ...settings };
}

/** The DomainError a call was rejected with (fails the test if it succeeded). */
export async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a rejected call, got ${String(err)}`);
  return err;
}

/** A random version-4 GUID, the shape of a Microsoft tenant or application id. */
export const guid = (): string => {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
