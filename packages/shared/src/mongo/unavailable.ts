import { DomainError } from '../errors';

/** Driver errors that mean "the database cannot be reached right now", not "this request is wrong". */
const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
]);
/** Server codes of a database that is shutting down or not (yet) serving: ShutdownInProgress, InterruptedAtShutdown, … */
const SHUTTING_DOWN = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

export const DATABASE_UNAVAILABLE = 'DATABASE.UNAVAILABLE';
export const QUERY_TIMED_OUT = 'DATABASE.QUERY_TIMED_OUT';
/** MaxTimeMSExpired: the server stopped a query at its `maxTimeMS` */
const MAX_TIME_EXPIRED = 50;

/**
 * The `unavailable` DomainError for an error that says the database is down or unreachable
 * (connection refused or closed, no server selectable, pool cleared, mongoose gave up buffering)
 * or stopped a query at its time limit (`DATABASE.QUERY_TIMED_OUT`); undefined for anything else.
 * Transports map it like any unavailable error (gRPC UNAVAILABLE, HTTP 503), so a database outage
 * is never reported as an internal error.
 */
export function databaseUnavailable(err: unknown): DomainError | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    const unreachable =
      (typeof name === 'string' && UNREACHABLE.has(name)) ||
      (name === 'MongoServerError' && typeof code === 'number' && SHUTTING_DOWN.has(code)) ||
      (name === 'MongooseError' && typeof message === 'string' && message.includes('buffering timed out'));
    if (unreachable) return new DomainError(DATABASE_UNAVAILABLE, 'unavailable', 'the database is not reachable; try again shortly');
    if (name === 'MongoServerError' && code === MAX_TIME_EXPIRED) {
      return new DomainError(QUERY_TIMED_OUT, 'unavailable', 'the query did not finish in time; narrow the filters or try again later');
    }
  }
  return undefined;
}
