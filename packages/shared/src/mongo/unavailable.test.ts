import { toGrpcError } from '../grpc/errors';
import * as grpc from '@grpc/grpc-js';
import { databaseUnavailable, DATABASE_UNAVAILABLE, QUERY_TIMED_OUT } from './unavailable';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('x'), { name, ...extra });

describe('databaseUnavailable', () => {
  it.each(['MongoNetworkError', 'MongoServerSelectionError', 'MongooseServerSelectionError', 'MongoPoolClearedError', 'MongoNotConnectedError'])(
    '%s is the database being unreachable',
    (name) => {
      expect(databaseUnavailable(named(name))).toMatchObject({ code: DATABASE_UNAVAILABLE, kind: 'unavailable' });
    },
  );

  it('recognizes a shutting-down server, mongoose giving up buffering, and a cause chain', () => {
    expect(databaseUnavailable(named('MongoServerError', { code: 91 }))).toBeDefined();
    expect(databaseUnavailable(named('MongooseError', { message: 'Operation `runs.findOne()` buffering timed out after 10000ms' }))).toBeDefined();
    expect(databaseUnavailable(Object.assign(new Error('wrapped'), { cause: named('MongoNetworkError') }))).toBeDefined();
  });

  it('names a query the server stopped at its maxTimeMS (MaxTimeMSExpired)', () => {
    expect(databaseUnavailable(named('MongoServerError', { code: 50 }))).toMatchObject({ code: QUERY_TIMED_OUT, kind: 'unavailable' });
  });

  it('leaves other errors alone', () => {
    expect(databaseUnavailable(named('MongoServerError', { code: 11000 }))).toBeUndefined();
    expect(databaseUnavailable(new TypeError('bug'))).toBeUndefined();
    expect(databaseUnavailable(undefined)).toBeUndefined();
  });

  it('makes gRPC answer UNAVAILABLE, not INTERNAL', () => {
    const status = toGrpcError(named('MongoServerSelectionError'));
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.metadata?.get('x-error-code')).toEqual([DATABASE_UNAVAILABLE]);
  });
});
