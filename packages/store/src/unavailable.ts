import { DomainError } from '@tenantatlas/core';

/**
 * The one table of database and broker errors that mean "cannot answer right now, ask again
 * shortly" rather than "this request is wrong" or "this is a bug". Every transport maps what it
 * finds here to gRPC UNAVAILABLE and HTTP 503 with Retry-After, so an outage, a restart or a
 * failover of MongoDB, FerretDB or Kafka is never reported as an internal error.
 *
 * An error is matched on what the engine says most precisely: its class (any class in its
 * prototype chain, so the driver's subclasses match too), then its error labels, then its server
 * code; on the message text only where FerretDB gives nothing better (it reports a failure of its
 * own engine as InternalError, code 1, with the Go error text).
 */

export const DATABASE_UNAVAILABLE = 'DATABASE.UNAVAILABLE';
export const QUERY_TIMED_OUT = 'DATABASE.QUERY_TIMED_OUT';
export const BROKER_UNAVAILABLE = 'BROKER.UNAVAILABLE';

/** Seconds a caller should wait before asking again (the Retry-After of the 503). */
export const RETRY_AFTER_SECONDS = { unavailable: 2, queryTimedOut: 5 } as const;

/** MongoDB node driver and mongoose classes: the server cannot be reached or the client is (re)connecting. */
export const UNAVAILABLE_DATABASE_CLASSES: Readonly<Record<string, string>> = {
  MongoNetworkError: 'connection refused, reset or closed (its subclasses: pool cleared, network timeout)',
  MongoNetworkTimeoutError: 'connecting or a round trip timed out',
  MongoServerSelectionError: 'no server became selectable within serverSelectionTimeoutMS',
  MongooseServerSelectionError: "mongoose's connect found no server",
  MongoPoolClearedError: "the pool was cleared after another operation's network error",
  MongoPoolClosedError: 'the pool was closed while the operation waited for a connection',
  MongoWaitQueueTimeoutError: 'no pooled connection became free in time',
  MongoTopologyClosedError: 'the client was closed under the operation (e.g. reconnected by the watchdog)',
  MongoClientClosedError: 'the client was closed under the operation',
  MongoServerClosedError: 'the server was removed from the topology under the operation',
  MongoNotConnectedError: 'the client is not connected (yet, or again)',
};

/** Error labels the driver or the server attach to a transient failure. */
export const UNAVAILABLE_DATABASE_LABELS: Readonly<Record<string, string>> = {
  RetryableWriteError: 'the server or the driver says the write may be retried (network error, failover, shutdown)',
  ResetPool: 'the driver cleared the pool of this server',
  PoolRequestedRetry: 'the pool was cleared while the operation waited for a connection',
  InterruptInUseConnections: "the monitor timed out and interrupted the pool's connections",
  SystemOverloadedError: 'the server refused new work while overloaded',
};

/** Server codes (MongoDB's error_codes.yml) of a server that is shutting down, stepping down or not reachable. */
export const UNAVAILABLE_DATABASE_CODES: Readonly<Record<number, string>> = {
  6: 'HostUnreachable',
  7: 'HostNotFound',
  89: 'NetworkTimeout',
  91: 'ShutdownInProgress',
  189: 'PrimarySteppedDown',
  9001: 'SocketException',
  10058: 'LegacyNotPrimary',
  10107: 'NotWritablePrimary',
  11600: 'InterruptedAtShutdown',
  11602: 'InterruptedDueToReplStateChange',
  13435: 'NotPrimaryNoSecondaryOk',
  13436: 'NotPrimaryOrSecondary',
};

/** Server codes of a query the server stopped at its time limit (the call's `maxTimeMS`). */
export const QUERY_TIMED_OUT_CODES: Readonly<Record<number, string>> = { 50: 'MaxTimeMSExpired', 262: 'ExceededTimeLimit' };

/**
 * FerretDB 1.24 answers any failure of its SQLite backend as InternalError (code 1) carrying the Go
 * error text. These mean it is stopping or cannot serve right now: on SIGTERM it cancels every
 * client connection's context, so a command in flight fails with `context canceled`, or with
 * SQLITE_INTERRUPT when the statement was running; after that its connection pool is closed.
 */
export const FERRETDB_UNAVAILABLE_MESSAGES: ReadonlyArray<{ text: RegExp; why: string }> = [
  { text: /context canceled/, why: 'a command in flight while FerretDB shuts down' },
  { text: /\binterrupted \(9\)/, why: 'SQLite interrupted a running statement of a cancelled command (SQLITE_INTERRUPT)' },
  { text: /sql: (database|connection) is (already )?closed/, why: "FerretDB's connection pool is closed (shutting down)" },
  { text: /database is locked \(5\)/, why: 'SQLite stayed busy past its busy timeout (SQLITE_BUSY)' },
];
const FERRETDB_INTERNAL_ERROR = 1;

/** kafkajs classes of a broker that cannot be reached or did not answer in time. */
export const UNAVAILABLE_BROKER_CLASSES: Readonly<Record<string, string>> = {
  KafkaJSConnectionError: 'connection refused, closed or timed out',
  KafkaJSRequestTimeoutError: 'the broker did not answer in requestTimeout',
  KafkaJSBrokerNotFound: 'no broker known (metadata not loaded yet)',
  KafkaJSNoBrokerAvailableError: 'none of the seed brokers could be reached',
  KafkaJSGroupCoordinatorNotFound: "the consumer group's coordinator is not elected yet",
  KafkaJSLockTimeout: 'the producer waited too long for its lock while the broker was unreachable',
};

/** Kafka protocol errors of a partition or group whose leader or coordinator is (re)starting. */
export const UNAVAILABLE_BROKER_TYPES: ReadonlySet<string> = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REQUEST_TIMED_OUT',
  'BROKER_NOT_AVAILABLE',
  'NETWORK_EXCEPTION',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR',
]);

interface EngineError {
  name?: unknown;
  code?: unknown;
  codeName?: unknown;
  type?: unknown;
  message?: unknown;
  errorLabels?: unknown;
  cause?: unknown;
}

/** The class names of an error: its `name` and every constructor in its prototype chain. */
function classNames(e: object): string[] {
  const names = typeof (e as EngineError).name === 'string' ? [(e as EngineError).name as string] : [];
  for (let proto = Object.getPrototypeOf(e); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string') names.push(ctor.name);
  }
  return names;
}

const labelsOf = (e: EngineError): string[] => (Array.isArray(e.errorLabels) ? e.errorLabels.filter((l): l is string => typeof l === 'string') : []);

type Verdict = 'database' | 'queryTimedOut' | 'broker' | undefined;

function classify(e: EngineError & object): Verdict {
  const classes = classNames(e);
  if (classes.some((name) => name in UNAVAILABLE_DATABASE_CLASSES)) return 'database';
  if (labelsOf(e).some((label) => label in UNAVAILABLE_DATABASE_LABELS)) return 'database';
  // the driver's classes (MongoServerError, MongoBulkWriteError, …), not mongoose's
  const isMongoError = classes.some((name) => /^Mongo[A-Z]/.test(name));
  if (isMongoError && typeof e.code === 'number') {
    if (e.code in UNAVAILABLE_DATABASE_CODES) return 'database';
    if (e.code in QUERY_TIMED_OUT_CODES) return 'queryTimedOut';
    if (e.code === FERRETDB_INTERNAL_ERROR && typeof e.message === 'string') {
      const text = e.message;
      if (FERRETDB_UNAVAILABLE_MESSAGES.some((m) => m.text.test(text))) return 'database';
    }
  }
  // mongoose gave up waiting for its first connection (a model used before connect finished)
  if (classes.includes('MongooseError') && typeof e.message === 'string' && e.message.includes('buffering timed out')) return 'database';
  if (classes.some((name) => name in UNAVAILABLE_BROKER_CLASSES)) return 'broker';
  if (classes.includes('KafkaJSProtocolError') && typeof e.type === 'string' && UNAVAILABLE_BROKER_TYPES.has(e.type)) return 'broker';
  return undefined;
}

/**
 * The `unavailable` DomainError for an error of the table above (looking through up to five
 * `cause`s, so a wrapped driver error counts too); undefined for anything else.
 */
export function infrastructureUnavailable(err: unknown): DomainError | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as EngineError).cause, depth++) {
    switch (classify(e as EngineError & object)) {
      case 'database':
        return new DomainError(DATABASE_UNAVAILABLE, 'unavailable', 'the database is not reachable; try again shortly', {
          retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable,
        });
      case 'queryTimedOut':
        return new DomainError(QUERY_TIMED_OUT, 'unavailable', 'the query did not finish in time; narrow the filters or try again later', {
          retryAfterSeconds: RETRY_AFTER_SECONDS.queryTimedOut,
        });
      case 'broker':
        return new DomainError(BROKER_UNAVAILABLE, 'unavailable', 'the message broker is not reachable; try again shortly', {
          retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable,
        });
    }
  }
  return undefined;
}

/** The same decision under the name the storage code has always used. */
export const databaseUnavailable = infrastructureUnavailable;
