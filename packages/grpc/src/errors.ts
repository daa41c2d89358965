import * as grpc from '@grpc/grpc-js';
import { DomainError, translateInfrastructureError, type ErrorDetails, type ErrorKind } from '@tenantatlas/core';

/** The one table from domain error kinds to gRPC status codes (and back). */
export const GRPC_STATUS_BY_KIND: Record<ErrorKind, grpc.status> = {
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  not_found: grpc.status.NOT_FOUND,
  already_exists: grpc.status.ALREADY_EXISTS,
  conflict: grpc.status.ABORTED,
  permission_denied: grpc.status.PERMISSION_DENIED,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  failed_precondition: grpc.status.FAILED_PRECONDITION,
  resource_exhausted: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  internal: grpc.status.INTERNAL,
};

const KIND_BY_GRPC_STATUS = new Map<grpc.status, ErrorKind>(
  Object.entries(GRPC_STATUS_BY_KIND).map(([kind, status]) => [status, kind as ErrorKind]),
);

const CODE_KEY = 'x-error-code';
const DETAILS_KEY = 'x-error-details';

/**
 * Turns any error into a gRPC ServiceError; unknown errors become INTERNAL without their message.
 * An error of the infrastructure is first translated by the translators the service's main.ts
 * registered (core's error-translation.ts): a database that cannot answer is UNAVAILABLE, not INTERNAL.
 */
export function toGrpcError(raw: unknown): Partial<grpc.StatusObject> {
  const err = translateInfrastructureError(raw) ?? raw;
  if (err instanceof DomainError) {
    const metadata = new grpc.Metadata();
    metadata.set(CODE_KEY, err.code);
    metadata.set(DETAILS_KEY, JSON.stringify(err.details));
    return { code: GRPC_STATUS_BY_KIND[err.kind], details: err.message, metadata };
  }
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

/** Recovers the DomainError a peer service raised, so callers can branch on its stable code. */
export function fromGrpcError(err: unknown): DomainError {
  const serviceError = err as Partial<grpc.ServiceError>;
  const status = serviceError.code ?? grpc.status.UNKNOWN;
  const kind: ErrorKind =
    KIND_BY_GRPC_STATUS.get(status) ??
    (status === grpc.status.DEADLINE_EXCEEDED || status === grpc.status.CANCELLED ? 'unavailable' : 'internal');
  const code = String(serviceError.metadata?.get(CODE_KEY)[0] ?? `GRPC.${grpc.status[status] ?? status}`);
  let details: ErrorDetails = {};
  const rawDetails = serviceError.metadata?.get(DETAILS_KEY)[0];
  if (typeof rawDetails === 'string') {
    try {
      details = JSON.parse(rawDetails) as ErrorDetails;
    } catch {
      details = {};
    }
  }
  return new DomainError(code, kind, serviceError.details ?? serviceError.message ?? 'remote error', details);
}
