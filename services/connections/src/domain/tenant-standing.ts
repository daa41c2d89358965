import type { DomainError, TenantStanding } from '@tenantatlas/core';
import { connectionError } from './errors';

/**
 * Whether a new connection may be created for the tenant. It must exist in the workspace (another
 * workspace's tenant gets the same answer as a random id: no id echoed, so nothing is revealed),
 * and not be archived (spec 143: an archived tenant is neither onboarded nor operated; restore it
 * first). Draft and onboarding tenants take connections: that is what the wizard does.
 */
export function connectionTenantRefusal(standing: TenantStanding | null): DomainError | null {
  if (!standing) return connectionError('TENANT.NOT_FOUND', 'tenant not found');
  if (standing.status === 'archived') return connectionError('TENANT.ARCHIVED', 'the tenant is archived and takes no new connections; restore it first');
  return null;
}
