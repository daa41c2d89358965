import type { Response } from 'express';
import { isDomainError, type ErrorDetails, type ErrorKind } from '@tenantatlas/core';
import { infrastructureUnavailable, RETRY_AFTER_SECONDS } from '@tenantatlas/store';

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

const TITLE_BY_STATUS: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request too large',
  422: 'Not possible in the current state',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

/**
 * An RFC 9457 problem document (`application/problem+json`). `code` is the stable machine-readable
 * error code (also in `type`), `details` its structured facts (e.g. `field`, `currentVersion`).
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  details?: ErrorDetails;
}

export interface HttpError {
  status: number;
  body: ProblemBody;
  /** the Retry-After header: when a 429 or 503 may be asked again */
  retryAfterSeconds?: number;
}

/** A 503 says "ask again shortly" even when the error names no delay (a backend service restarting). */
const DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS = RETRY_AFTER_SECONDS.unavailable;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(status: number, code: string, detail: string, details?: ErrorDetails): ProblemBody {
  const extra = details && Object.keys(details).length > 0 ? { details } : {};
  return { type: `urn:tenantatlas:problem:${code}`, title: TITLE_BY_STATUS[status] ?? 'Error', status, detail, code, ...extra };
}

/** Never exposes a stack trace or the message of an unexpected error; our own database being down is a 503. */
export function toHttpError(raw: unknown): HttpError {
  const err = infrastructureUnavailable(raw) ?? raw;
  if (!isDomainError(err) || err.kind === 'internal') {
    return { status: 500, body: problem(500, 'INTERNAL', 'internal error') };
  }
  const status = HTTP_STATUS_BY_KIND[err.kind];
  const named = typeof err.details.retryAfterSeconds === 'number' ? err.details.retryAfterSeconds : undefined;
  const retryAfterSeconds = status === 503 ? (named ?? DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS) : status === 429 ? named : undefined;
  // A 404 names nothing, not even the ids a service put in its details: an unknown reference, one of
  // another workspace and one outside the caller's tenant scope all read the same.
  const details = status === 404 ? undefined : err.details;
  return { status, body: problem(status, err.code, err.message, details), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

/** Writes a problem document (express's `json()` would label it `application/json`). */
export function sendProblem(res: Response, body: ProblemBody): void {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
