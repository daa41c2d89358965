import { failedPrecondition, notFound, type DomainError, type TenantStanding } from '@tenantatlas/shared';

/**
 * Whether a run may be accepted for what it names: its tenant (owned by onboarding) and, for a
 * type whose subject is a connection, that connection (owned by connections). Each owner answers
 * for its own objects; operations only decides what the answers mean for a start.
 */

/**
 * Not found carries no id and the same words whether the tenant is another workspace's or never
 * existed, so the answer reveals nothing about other workspaces.
 */
export const tenantNotFound = (): DomainError => notFound('TENANT.NOT_FOUND', 'tenant not found');

export const tenantArchived = (): DomainError =>
  failedPrecondition('TENANT.ARCHIVED', 'the tenant is archived and takes no new runs; restore it first');

/** The same answer for another tenant's connection, another workspace's, and a random id. */
export const subjectNotFound = (): DomainError =>
  notFound('RUN.SUBJECT_NOT_FOUND', 'the subject connection was not found for this tenant', { field: 'subject' });

/**
 * Spec 143: an archived tenant can neither be onboarded nor run operations, so it takes no new
 * run. Draft and onboarding tenants do: onboarding's own verification and bootstrap runs are
 * theirs (their `canRunOperations=false` concerns operations outside onboarding, which a start
 * cannot tell apart, so it is not refused here).
 */
export function tenantRefusal(standing: TenantStanding | null): DomainError | null {
  if (!standing) return tenantNotFound();
  if (standing.status === 'archived') return tenantArchived();
  return null;
}

const REFUSALS = new Set(['TENANT.NOT_FOUND', 'TENANT.ARCHIVED', 'RUN.SUBJECT_NOT_FOUND']);

/** A refusal of a start because of what it names (as opposed to a malformed start or an outage). */
export function isAdmissionRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && REFUSALS.has((err as { code?: string }).code ?? '');
}
