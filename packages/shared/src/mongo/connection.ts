import mongoose, { type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { requestDeadlinePlugin } from './request-deadline';

/**
 * Opens a dedicated connection (never the mongoose global, so tests can hold several). Indexes
 * are created explicitly by `ensureIndexes` before a service serves traffic, because uniqueness
 * rules (dedupe, one default per tenant) must exist before the first write relies on them.
 * The connection is watched for a wedged server monitor (see `reviveWedgedMonitor`); the reads of
 * a gRPC call carry its remaining time (see request-deadline.ts).
 */
export async function connectMongo(url: string, dbName: string, options: { logger?: Logger } = {}): Promise<Connection> {
  registerPlugins();
  const connection = mongoose.createConnection(url, {
    dbName,
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: MONGO_CONNECT_TIMEOUT_MS,
    maxPoolSize: 20,
  });
  await connection.asPromise();
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

const MONGO_CONNECT_TIMEOUT_MS = 10_000;
/** the driver's default heartbeatFrequencyMS: an awaitable (streaming) hello may legitimately wait this long */
const HEARTBEAT_FREQUENCY_MS = 10_000;

/**
 * Works around a defect of the MongoDB Node driver (7.x): when the database closes every
 * connection at once (a restart), the first failed operation marks the server unknown and asks the
 * monitor for an immediate check, which sends `hello` on the monitor's own connection before that
 * connection has seen its close; the write then waits for a `drain` a destroyed socket never emits.
 * That check never ends, so the server is never rediscovered: every operation fails with server
 * selection errors until the process restarts, although the database is back.
 *
 * A healthy check ends within connectTimeoutMS (plus the await time of a streaming hello). When
 * one has been pending much longer, the client is closed and connected again (public API; mongoose
 * keeps its models, which resolve the client at each operation); until the database answers, the
 * connect is retried.
 */
export function reviveWedgedMonitor(
  connection: Connection,
  logger?: Logger,
  { wedgedAfterMs = MONGO_CONNECT_TIMEOUT_MS + HEARTBEAT_FREQUENCY_MS + 5_000, checkEveryMs = 2_000 } = {},
): void {
  const client = connection.getClient();
  const pending = new Map<string, number>();
  client.on('serverHeartbeatStarted', (e) => {
    if (!pending.has(e.connectionId)) pending.set(e.connectionId, Date.now());
  });
  const ended = (e: { connectionId: string }) => pending.delete(e.connectionId);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);
  let closed = false;
  let reviving = false;
  const timer = setInterval(() => {
    if (closed || reviving) return;
    const wedged = [...pending].filter(([, since]) => Date.now() - since > wedgedAfterMs);
    if (wedged.length === 0) return;
    reviving = true;
    pending.clear();
    logger?.warn({ servers: wedged.map(([address]) => address), pendingMs: Date.now() - wedged[0]![1] }, 'database monitor is stuck; reconnecting the client');
    void (async () => {
      await client.close().catch(() => undefined);
      for (let attempt = 1; !closed; attempt++) {
        try {
          await client.connect();
          logger?.info({ attempt }, 'database client reconnected');
          return;
        } catch (err) {
          if (attempt === 1) logger?.warn({ err }, 'database not reachable yet; retrying the connect');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
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
