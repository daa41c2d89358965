import * as grpc from '@grpc/grpc-js';
import { DomainError } from '@tenantatlas/core';
import { fromGrpcError } from '@tenantatlas/grpc';
import { toHttpError } from './errors';

function grpcError(code: grpc.status, errorCode: string, message: string, details: object = { field: 'name' }): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('x-error-code', errorCode);
  metadata.set('x-error-details', JSON.stringify(details));
  return Object.assign(new Error(message), { code, details: message, metadata });
}

describe('HTTP error mapping', () => {
  it.each([
    [grpc.status.INVALID_ARGUMENT, 400],
    [grpc.status.NOT_FOUND, 404],
    [grpc.status.ALREADY_EXISTS, 409],
    [grpc.status.ABORTED, 409],
    [grpc.status.PERMISSION_DENIED, 403],
    [grpc.status.UNAUTHENTICATED, 401],
    [grpc.status.FAILED_PRECONDITION, 422],
    [grpc.status.RESOURCE_EXHAUSTED, 429],
    [grpc.status.UNAVAILABLE, 503],
    [grpc.status.DEADLINE_EXCEEDED, 503],
    [grpc.status.INTERNAL, 500],
  ])('maps downstream gRPC status %s to HTTP %s', (status, http) => {
    const mapped = toHttpError(fromGrpcError(grpcError(status, 'DRAFT.SOMETHING', 'downstream says no')));
    expect(mapped.status).toBe(http);
  });

  it('keeps the stable code, message and details of a client mistake', () => {
    const mapped = toHttpError(fromGrpcError(grpcError(grpc.status.INVALID_ARGUMENT, 'DRAFT.INVALID_NAME', 'name is required')));
    expect(mapped.body).toEqual({
      type: 'urn:tenantatlas:problem:DRAFT.INVALID_NAME',
      title: 'Bad request',
      status: 400,
      detail: 'name is required',
      code: 'DRAFT.INVALID_NAME',
      details: { field: 'name' },
    });
  });

  it('keeps the ids a service named out of a 404', () => {
    const mapped = toHttpError(fromGrpcError(grpcError(grpc.status.NOT_FOUND, 'CONNECTION.NOT_FOUND', 'connection not found', { connectionId: 'conn-of-another-tenant' })));
    expect(mapped).toEqual({
      status: 404,
      body: { type: 'urn:tenantatlas:problem:CONNECTION.NOT_FOUND', title: 'Not found', status: 404, detail: 'connection not found', code: 'CONNECTION.NOT_FOUND' },
    });
  });

  it('hides the message of unexpected and internal errors', () => {
    const unexpected = toHttpError(new Error('TypeError at /srv/app.js:12 password=hunter2'));
    expect(unexpected).toEqual({ status: 500, body: { type: 'urn:tenantatlas:problem:INTERNAL', title: 'Internal error', status: 500, detail: 'internal error', code: 'INTERNAL' } });
    const internal = toHttpError(new DomainError('X', 'internal', 'stack: at foo'));
    expect(JSON.stringify(internal.body)).not.toContain('stack');
  });

  it('answers 503 DATABASE.UNAVAILABLE when our own database cannot be reached', () => {
    const down = toHttpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { name: 'MongoNetworkError' }));
    expect(down).toMatchObject({ status: 503, body: { status: 503, code: 'DATABASE.UNAVAILABLE' } });
    expect(down.body.detail).not.toContain('127.0.0.1');
  });

  it('tells when to ask again: every 503 carries a Retry-After, a 429 only when it names one', () => {
    const ferretShutdown = Object.assign(new Error('[msg_insert.go:168 handler.(*Handler).MsgInsert] context canceled'), { name: 'MongoServerError', code: 1 });
    expect(toHttpError(ferretShutdown)).toMatchObject({ status: 503, retryAfterSeconds: 2, body: { code: 'DATABASE.UNAVAILABLE' } });
    expect(toHttpError(new DomainError('DOWNSTREAM.UNAVAILABLE', 'unavailable', 'down', { service: 'operations' }))).toMatchObject({ status: 503, retryAfterSeconds: 2 });
    expect(toHttpError(new DomainError('RATE.LIMITED', 'resource_exhausted', 'slow down', { retryAfterSeconds: 7 }))).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    expect(toHttpError(new DomainError('QUOTA', 'resource_exhausted', 'no more'))).not.toHaveProperty('retryAfterSeconds');
  });
});
