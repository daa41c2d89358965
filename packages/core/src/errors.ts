/**
 * Domain errors carry a stable code (e.g. `RUN.ALREADY_ACTIVE`) and a kind. Transports map the kind
 * to a status in exactly one table each (gRPC in grpc/errors.ts, HTTP in the gateway), so a rule
 * never needs to know which transport it is speaking through.
 */
export const ERROR_KINDS = [
  'invalid_argument',
  'not_found',
  'already_exists',
  'conflict',
  'permission_denied',
  'unauthenticated',
  'failed_precondition',
  'resource_exhausted',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export type ErrorDetails = Record<string, string | number | boolean | null>;

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidArgument = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError(code, 'invalid_argument', message, details);
export const notFound = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError(code, 'not_found', message, details);
export const conflict = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError(code, 'conflict', message, details);
export const failedPrecondition = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError(code, 'failed_precondition', message, details);

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** A service's error catalog: every code it raises, with the kind transports map to a status. */
export type ErrorCatalog = Readonly<Record<string, ErrorKind>>;

/**
 * Builds the one way a service raises its errors: only codes in its catalog compile, and the kind
 * comes from the catalog, so a code can never be raised with two kinds.
 */
export function defineErrors<const C extends ErrorCatalog>(catalog: C) {
  const raise = (code: keyof C & string, message: string, details?: ErrorDetails): DomainError =>
    new DomainError(code, catalog[code] as ErrorKind, message, details);
  return Object.assign(raise, { catalog, codes: Object.keys(catalog) as (keyof C & string)[] });
}
