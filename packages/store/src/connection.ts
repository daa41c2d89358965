import mongoose, { type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { countDatabaseOperations } from './operation-metrics';
import { requestDeadlinePlugin } from './request-deadline';

/**
 * Driver settings chosen so that every process notices within seconds that the database is gone
 * and that it is back, and never waits out a long timeout in between (docs/architecture.md,
 * "Outages and recovery", says why each has its value).
 */
export const MONGO_DRIVER_SETTINGS = {
  /** how long an operation waits for a selectable server before it fails (a 503, not the caller's deadline) */
  serverSelectionTimeoutMS: 5_000,
  /** TCP connect + handshake of a pooled or monitoring connection; also the socket timeout of a monitor's poll */
  connectTimeoutMS: 3_000,
  /** how often an idle process polls the server; an operation waiting for a server asks at once (every 500 ms at most) */
  heartbeatFrequencyMS: 5_000,
  /** none: reads carry the call's deadline as maxTimeMS, and a dead server is found by the monitor, which interrupts the pool */
  socketTimeoutMS: 0,
  maxPoolSize: 20,
  /** connections are made on demand (a few ms on loopback); idle ones would only add to FerretDB's */
  minPoolSize: 0,
} as const;

/**
 * Opens a dedicated connection (never the mongoose global, so tests can hold several). Indexes
 * are created explicitly by `ensureIndexes` before a service serves traffic, because uniqueness
 * rules (dedupe, one default per tenant) must exist before the first write relies on them.
 * The connection is watched for a wedged server monitor (see `reviveWedgedMonitor`); the reads of
 * a gRPC call carry its remaining time (see request-deadline.ts); every query and write is counted
 * by collection, operation and filter shape (see operation-metrics.ts).
 */
export async function connectMongo(url: string, dbName: string, options: { logger?: Logger } = {}): Promise<Connection> {
  registerPlugins();
  // monitorCommands: every query and write is counted by its shape (operation-metrics.ts)
  const connection = mongoose.createConnection(url, { dbName, autoIndex: false, autoCreate: true, monitorCommands: true, ...MONGO_DRIVER_SETTINGS });
  await connection.asPromise();
  countDatabaseOperations(connection);
  reviveWedgedMonitor(connection, options.logger);
  return connection;
}

let pluginsRegistered = false;
/** Global plugins apply to the models compiled after them: every model is made on a connection from here. */
function registerPlugins(): void {
  if (pluginsRegistered) return;
  pluginsRegistered = true;
  mongoose.plugin(requestDeadlinePlugin);
}

/**
 * How long a server check may legitimately take. A check first connects (connectTimeoutMS) and
 * then polls `hello` with connectTimeoutMS as its socket timeout; a streaming (awaited) hello of
 * MongoDB also waits up to heartbeatFrequencyMS for a change. Longer than this, it has hung.
 */
export function longestHealthyCheckMs(awaited: boolean, settings = MONGO_DRIVER_SETTINGS): number {
  return 2 * settings.connectTimeoutMS + (awaited ? settings.heartbeatFrequencyMS : 0) + 1_000;
}

/**
 * Works around a defect of the MongoDB Node driver (7.x): when the database closes every
 * connection at once (a restart), the first failed operation marks the server unknown and asks the
 * monitor for an immediate check, which sends `hello` on the monitor's own connection before that
 * connection has seen its close; the write then waits for a `drain` a destroyed socket never emits.
 * That check never ends, so the server is never rediscovered: every operation fails with server
 * selection errors until the process restarts, although the database is back.
 *
 * A check that has been pending longer than a healthy one can take (`longestHealthyCheckMs`, 7 s
 * for a poll with the settings above) has hung: the client is closed and connected again (public
 * API; mongoose keeps its models, which resolve the client at each operation); until the database
 * answers, the connect is retried. The hang starts when the database goes away, so by the time it
 * is back the client has usually been renewed already.
 */
export function reviveWedgedMonitor(
  connection: Connection,
  logger?: Logger,
  { hungAfterMs = longestHealthyCheckMs, checkEveryMs = 500, retryConnectEveryMs = 500 } = {},
): void {
  const client = connection.getClient();
  const pending = new Map<string, { since: number; awaited: boolean }>();
  client.on('serverHeartbeatStarted', (e) => {
    if (!pending.has(e.connectionId)) pending.set(e.connectionId, { since: Date.now(), awaited: e.awaited });
  });
  const ended = (e: { connectionId: string }) => pending.delete(e.connectionId);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);
  let closed = false;
  let reviving = false;
  const timer = setInterval(() => {
    if (closed || reviving) return;
    const hung = [...pending].filter(([, check]) => Date.now() - check.since > hungAfterMs(check.awaited));
    if (hung.length === 0) return;
    reviving = true;
    pending.clear();
    logger?.warn({ servers: hung.map(([address]) => address), pendingMs: Date.now() - hung[0]![1].since }, 'database monitor is stuck; reconnecting the client');
    void (async () => {
      await client.close().catch(() => undefined);
      for (let attempt = 1; !closed; attempt++) {
        try {
          // waits up to serverSelectionTimeoutMS for the server, so it returns as soon as the database answers
          await client.connect();
          logger?.info({ attempt }, 'database client reconnected');
          return;
        } catch (err) {
          if (attempt === 1) logger?.warn({ err }, 'database not reachable yet; retrying the connect');
          await new Promise((resolve) => setTimeout(resolve, retryConnectEveryMs));
        }
      }
    })().finally(() => (reviving = false));
  }, checkEveryMs);
  timer.unref();
  connection.once('close', () => {
    closed = true;
    clearInterval(timer);
  });
}

export async function ensureIndexes(models: Model<any>[]): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
}

/**
 * MongoDB (and FerretDB) report a unique-index violation with code 11000. FerretDB's SQLite backend
 * reports the same violation as code 1 (InternalError, "UNIQUE constraint failed") when concurrent
 * writes race past its own check; the index still held, so that counts as a duplicate too.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: number; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

export async function pingMongo(connection: Connection): Promise<boolean> {
  try {
    await connection.db?.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
