import { DomainError, isDomainError, type ErrorDetails, type ErrorKind } from '@tenantatlas/shared';

/**
 * The one table from error kinds to HTTP status. Downstream gRPC errors arrive as DomainErrors
 * (`fromGrpcError` maps the gRPC status back to a kind), so a service's INVALID_ARGUMENT becomes 400,
 * NOT_FOUND 404, ABORTED 409 and so on; only our own bugs and downstream INTERNAL are 500.
 */
export const HTTP_STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  failed_precondition: 422,
  resource_exhausted: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

export interface HttpError {
  status: number;
  body: ErrorBody;
}

/** Never exposes a stack trace or the message of an unexpected error. */
export function toHttpError(err: unknown): HttpError {
  if (!isDomainError(err) || err.kind === 'internal') {
    return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  }
  const details = Object.keys(err.details).length > 0 ? { details: err.details } : {};
  return { status: HTTP_STATUS_BY_KIND[err.kind], body: { error: { code: err.code, message: err.message, ...details } } };
}

export const badRequest = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError(code, 'invalid_argument', message, details);
export const unauthenticated = (message = 'sign in first') => new DomainError('AUTH.UNAUTHENTICATED', 'unauthenticated', message);
