import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import mongoose from 'mongoose';
import { registerErrorTranslator } from '@tenantatlas/core';
import { toGrpcError } from '@tenantatlas/grpc';
import { BROKER_UNAVAILABLE, DATABASE_UNAVAILABLE, infrastructureUnavailable, QUERY_TIMED_OUT } from '@tenantatlas/store';

const {
  MongoClient,
  MongoClientClosedError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoServerError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} = mongoose.mongo;
// the pool's errors are not exported by the driver's index; mongoose's copy of the driver has them
const { PoolClearedError, PoolClearedOnNetworkError } = require(
  require.resolve('mongodb/lib/cmap/errors', { paths: [path.dirname(require.resolve('mongoose'))] }),
) as { PoolClearedError: new (pool: object) => Error; PoolClearedOnNetworkError: new (pool: object) => Error };

const ADDRESS = '127.0.0.1:27017';
const refused = () =>
  new MongoNetworkError(`connect ECONNREFUSED ${ADDRESS}`, { cause: Object.assign(new Error(`connect ECONNREFUSED ${ADDRESS}`), { code: 'ECONNREFUSED' }) });
/** what the driver builds from a server reply `{ ok: 0, code, codeName, errmsg }` */
const serverReply = (code: number, codeName: string, errmsg: string, errorLabels?: string[]) =>
  new MongoServerError({ ok: 0, code, codeName, errmsg, ...(errorLabels ? { errorLabels } : {}) });
/** FerretDB 1.24: a failure of its SQLite backend is InternalError with the Go error text (handlererrors.ProtocolError) */
const ferretInternal = (text: string) => serverReply(1, 'InternalError', text);

const code = (err: unknown) => infrastructureUnavailable(err)?.code;

describe('the table of unavailable engine errors', () => {
  it.each<[string, () => unknown]>([
    ['connection refused', refused],
    ['connection reset', () => new MongoNetworkError('read ECONNRESET', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })],
    ['connection closed by the server', () => new MongoNetworkError(`connection 7 to ${ADDRESS} closed`)],
    ['timed out connecting', () => new MongoNetworkTimeoutError(`connection timed out`, { beforeHandshake: true })],
    ['pool cleared after another operation failed', () => new PoolClearedError({ address: ADDRESS, serverError: refused() })],
    ['pool cleared after the monitor timed out', () => new PoolClearedOnNetworkError({ address: ADDRESS })],
    ['client closed under the operation', () => new MongoTopologyClosedError()],
    ['client closed while the operation ran', () => new MongoClientClosedError()],
    ['client not connected', () => new MongoNotConnectedError('Client must be connected before running operations')],
    ['ShutdownInProgress (91)', () => serverReply(91, 'ShutdownInProgress', 'The server is in quiesce mode and will shut down', ['RetryableWriteError'])],
    ['InterruptedAtShutdown (11600)', () => serverReply(11600, 'InterruptedAtShutdown', 'interrupted at shutdown')],
    ['InterruptedDueToReplStateChange (11602)', () => serverReply(11602, 'InterruptedDueToReplStateChange', 'operation was interrupted')],
    ['PrimarySteppedDown (189)', () => serverReply(189, 'PrimarySteppedDown', 'primary stepped down')],
    ['NotWritablePrimary (10107)', () => serverReply(10107, 'NotWritablePrimary', 'not primary')],
    ['node is recovering (13436)', () => serverReply(13436, 'NotPrimaryOrSecondary', 'node is recovering')],
    ['NotPrimaryNoSecondaryOk (13435)', () => serverReply(13435, 'NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false')],
    ['a write concern error of a shutting-down primary', () => new MongoWriteConcernError({ writeConcernError: { code: 91, errmsg: 'shutdown in progress' }, ok: 1 } as never)],
    ['a server overloaded (label only)', () => serverReply(462, 'IngressRequestRateLimitExceeded', 'rate limit exceeded', ['SystemOverloadedError', 'RetryableError'])],
    ['FerretDB: a command in flight at its shutdown', () => ferretInternal('[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:134 fsql.(*DB).InTransaction] context canceled')],
    ['FerretDB: a statement interrupted at its shutdown', () => ferretInternal('[msg_find.go:291 handler.(*Handler).MsgFind] [query_iterator.go:112 sqlite.(*queryIterator).Next] interrupted (9)')],
    ['FerretDB: its pool already closed', () => ferretInternal('[collection.go:205 sqlite.(*collection).InsertAll] sql: database is closed')],
    ['mongoose gave up buffering', () => new mongoose.Error('Operation `runs.findOne()` buffering timed out after 10000ms')],
    ['mongoose found no server at connect', () => Object.assign(new mongoose.Error.MongooseServerSelectionError('connect ECONNREFUSED'), {})],
    ['a driver error wrapped by a use case', () => new Error('could not record the run', { cause: refused() })],
  ])('%s → DATABASE.UNAVAILABLE', (_what, make) => {
    expect(infrastructureUnavailable(make())).toMatchObject({ code: DATABASE_UNAVAILABLE, kind: 'unavailable', details: { retryAfterSeconds: 2 } });
  });

  it('names a query the server stopped at its maxTimeMS', () => {
    expect(code(serverReply(50, 'MaxTimeMSExpired', 'operation exceeded time limit'))).toBe(QUERY_TIMED_OUT);
    expect(code(serverReply(262, 'ExceededTimeLimit', 'operation exceeded time limit'))).toBe(QUERY_TIMED_OUT);
  });

  it.each<[string, () => unknown]>([
    ['broker refused the connection', () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' } as never)],
    ['broker did not answer', () => new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {} as never)],
    [
      'retries exhausted while the broker was down',
      () => {
        const lastTry = new KafkaJSConnectionError('Connection timeout');
        return new KafkaJSNumberOfRetriesExceeded(lastTry, { retryCount: 8, retryTime: 2_000, cause: lastTry } as never);
      },
    ],
    ['leader not available', () => new KafkaJSProtocolError({ type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true, message: 'There is no leader for this topic-partition' } as never)],
  ])('%s → BROKER.UNAVAILABLE', (_what, make) => {
    expect(infrastructureUnavailable(make())).toMatchObject({ code: BROKER_UNAVAILABLE, kind: 'unavailable' });
  });

  it.each<[string, () => unknown]>([
    ['a duplicate key', () => serverReply(11000, 'DuplicateKey', 'E11000 duplicate key error collection: db.runs')],
    ["FerretDB's racing unique index (a duplicate, see isDuplicateKeyError)", () => ferretInternal('UNIQUE constraint failed: runs._id')],
    ['any other FerretDB internal error', () => ferretInternal('[msg_update.go:80] unexpected type')],
    ['a bad query', () => serverReply(2, 'BadValue', 'unknown operator: $foo')],
    ['a topic the client may not write', () => new KafkaJSProtocolError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized' } as never)],
    ['a non-retriable kafkajs error', () => new KafkaJSNonRetriableError('invalid config')],
    ['our own bug', () => new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', () => undefined],
  ])('%s is not an outage', (_what, make) => {
    expect(infrastructureUnavailable(make())).toBeUndefined();
  });

  it('recognizes what the real driver throws for a database that is not listening', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const client = new MongoClient(`mongodb://127.0.0.1:${closedPort}/`, { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const err = await client.db('x').command({ ping: 1 }).catch((e: unknown) => e);
    await client.close();
    expect((err as Error).name).toBe('MongoServerSelectionError');
    expect(code(err)).toBe(DATABASE_UNAVAILABLE);
  });

  it('makes gRPC answer UNAVAILABLE with the code and its Retry-After, not INTERNAL, once main.ts registers it', () => {
    registerErrorTranslator(infrastructureUnavailable);
    const status = toGrpcError(ferretInternal('[msg_insert.go:168 handler.(*Handler).MsgInsert] context canceled'));
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.metadata?.get('x-error-code')).toEqual([DATABASE_UNAVAILABLE]);
    expect(JSON.parse(String(status.metadata?.get('x-error-details')[0]))).toEqual({ retryAfterSeconds: 2 });
  });
});
