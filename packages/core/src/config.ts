import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment against a service's schema. Called from main(), never at import time, so
 * tests can pass their own env. Fails fast with every bad variable named.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(env)';
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/**
 * Where a peer service answers: `host:port` (every address the name resolves to is used, e.g. the
 * pods of a headless Kubernetes Service), or `IPv4:port,IPv4:port,…`, one entry per replica (the
 * local stacks, which run replicas on one host). The gRPC client spreads its calls over them.
 */
const peerAddress = z
  .string()
  .regex(/^(?:[^:\s,]+:\d+|\d{1,3}(?:\.\d{1,3}){3}:\d+(?:,\d{1,3}(?:\.\d{1,3}){3}:\d+)+)$/, 'expected host:port, or IPv4:port,IPv4:port,… (one per replica)');
const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** Variables every service reads. Services extend this with their own (`baseConfig.extend({...})`). */
export const baseConfig = z.object({
  /** pino level */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** comma-separated host:port list */
  KAFKA_BROKERS: csv.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)),
  /** MongoDB connection string; production is MongoDB, tests run FerretDB */
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// URL'),
  /** database name; defaults to one per service */
  MONGO_DB: z.string().min(1).optional(),
  /** prefix for Kafka topics and consumer groups, so test runs never see each other's messages */
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  /** gRPC listen port (0 = any free port, used by tests) */
  GRPC_PORT: port(0),
  /** how long a graceful shutdown may take before we force it */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});
export type BaseConfig = z.infer<typeof baseConfig>;

/** the shortest retention window: no writer's view of a log's end is older than what it removes */
const MIN_RETENTION_DAYS = 1;
const retentionDays = z.coerce.number().min(MIN_RETENTION_DAYS).max(36_500);

/**
 * How long a workspace's history stays in its live form before it is kept only in the archive:
 * `RETENTION_DAYS` for every workspace, `RETENTION_DAYS_BY_WORKSPACE` (`<workspace>=<days>,…`)
 * for those that keep theirs shorter or longer.
 */
const retention = {
  RETENTION_DAYS: retentionDays.default(30),
  RETENTION_DAYS_BY_WORKSPACE: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const windows = new Map<string, number>();
      for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [workspaceId, days, ...rest] = entry.split('=').map((s) => s.trim());
        const parsed = retentionDays.safeParse(days);
        if (!workspaceId || rest.length > 0 || !parsed.success) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${entry}": expected <workspace>=<days>, days from ${MIN_RETENTION_DAYS} to 36500` });
          return z.NEVER;
        }
        windows.set(workspaceId, parsed.data);
      }
      return windows;
    }),
};

/** The retention window of each workspace, in days, from the `retention` fields. */
export function retentionWindow(config: { RETENTION_DAYS: number; RETENTION_DAYS_BY_WORKSPACE: ReadonlyMap<string, number> }): (workspaceId: string) => number {
  return (workspaceId) => config.RETENTION_DAYS_BY_WORKSPACE.get(workspaceId) ?? config.RETENTION_DAYS;
}

export const configFields = { port, csv, peerAddress, retention };
export { z };
