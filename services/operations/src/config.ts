import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { baseConfig, configFields, z } from '@tenantatlas/core';

const flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50053),
  /** all = API + workers (default); api = gRPC API only; worker = workers and sweeper only (gRPC health still served) */
  OPERATIONS_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /** runs one process executes at once */
  WORKER_CONCURRENCY: positiveInt(8),
  /** how long a worker's claim on a running attempt lasts without renewal (renewed every third of it) */
  LEASE_MS: positiveInt(30_000),
  /** how often expired leases and due retries are looked for */
  SWEEP_INTERVAL_MS: positiveInt(1_000),
  /** a queued, due run nobody took is dispatched again after this long */
  REDISPATCH_AFTER_MS: positiveInt(15_000),
  /** connections service (provider I/O for provider run types), host:port */
  CONNECTIONS_GRPC_ADDR: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').default('127.0.0.1:50052'),
  /** deadline of one call to the connections service */
  CONNECTIONS_TIMEOUT_MS: positiveInt(30_000),
  /** onboarding service (asked whether a run's tenant exists in its workspace), host:port */
  ONBOARDING_GRPC_ADDR: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').default('127.0.0.1:50051'),
  /** deadline of the look-ups a start makes: its tenant (onboarding) and a connection subject (connections) */
  ADMISSION_TIMEOUT_MS: positiveInt(5_000),
  /**
   * how long a confirmed tenant or subject stays confirmed in this process (0: ask every time); an
   * archive stops new starts within this window
   */
  ADMISSION_CACHE_MS: z.coerce.number().int().min(0).default(5_000),
  /** registers `diagnostics.scripted` (behaviour from its context; for tests and pipeline checks) */
  DIAGNOSTIC_RUN_TYPES: flag,
  /**
   * RETENTION_DAYS (and RETENTION_DAYS_BY_WORKSPACE): days a completed run stays among the live
   * runs before only the archive (its run list's sealed revision) holds it (docs/operations.md)
   */
  ...configFields.retention,
  /** identifies this process in leases and attempts; defaults to host, pid and a random suffix */
  WORKER_ID: z.string().min(1).default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`),
});
export type Config = z.infer<typeof configSchema>;
