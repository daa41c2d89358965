import type { DomainError } from './errors';

/**
 * Makes the DomainError a client can act on out of an error of the infrastructure (a database or
 * broker that cannot answer right now becomes `unavailable`, retry later, not a bare INTERNAL);
 * undefined for an error it does not know.
 */
export type ErrorTranslator = (err: unknown) => DomainError | undefined;

const translators: ErrorTranslator[] = [];

/**
 * The transports do not know which stores a service uses: each service's main.ts registers the
 * translator of the stores it connects (the store's `infrastructureUnavailable`), and the gRPC and
 * HTTP error tables ask `translateInfrastructureError` before they map a kind to a status.
 */
export function registerErrorTranslator(translator: ErrorTranslator): void {
  if (!translators.includes(translator)) translators.push(translator);
}

/** The DomainError the first registered translator makes of `err`, or undefined. */
export function translateInfrastructureError(err: unknown): DomainError | undefined {
  for (const translate of translators) {
    const translated = translate(err);
    if (translated) return translated;
  }
  return undefined;
}
