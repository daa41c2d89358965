import type { Actor, DomainError } from '@tenantatlas/core';
import { tenantErrors } from './errors';

/** Tenant lifecycle (spec 143). Separate from the draft lifecycle: a tenant outlives its drafts. */
export const TENANT_STATUSES = ['draft', 'onboarding', 'active', 'archived'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export interface Operability {
  canOnboard: boolean;
  canRunOperations: boolean;
  canSelectAsContext: boolean;
  canArchive: boolean;
  canRestore: boolean;
  canEdit: boolean;
}

/** What each lifecycle status allows by itself; `operabilityOf` adds what an open draft changes. */
export const OPERABILITY: Record<TenantStatus, Operability> = {
  draft: { canOnboard: true, canRunOperations: false, canSelectAsContext: false, canArchive: true, canRestore: false, canEdit: true },
  onboarding: { canOnboard: true, canRunOperations: false, canSelectAsContext: false, canArchive: true, canRestore: false, canEdit: true },
  active: { canOnboard: false, canRunOperations: true, canSelectAsContext: true, canArchive: true, canRestore: false, canEdit: true },
  archived: { canOnboard: false, canRunOperations: false, canSelectAsContext: false, canArchive: false, canRestore: true, canEdit: false },
};

export interface TenantEntity {
  id: string;
  workspaceId: string;
  externalTenantId: string;
  name: string;
  primaryDomain: string;
  status: TenantStatus;
  version: number;
  createdBy: Actor;
  createdAt: Date;
  updatedAt: Date;
  activatedAt: Date | null;
  archivedAt: Date | null;
}

export type TenantTransition = 'start_onboarding' | 'activate' | 'archive' | 'restore';

/** Allowed source statuses of each transition. */
const TRANSITIONS: Record<TenantTransition, readonly TenantStatus[]> = {
  start_onboarding: ['draft'],
  activate: ['draft', 'onboarding'],
  archive: ['draft', 'onboarding', 'active'],
  restore: ['archived'],
};

export function canTransition(tenant: Pick<TenantEntity, 'status'>, transition: TenantTransition): boolean {
  return TRANSITIONS[transition].includes(tenant.status);
}

/** A transition as a store applies it: the target status, the operator's version (if any), its time. */
export interface TenantUpdate {
  status: TenantStatus;
  expectedVersion?: number;
  at: Date;
}

/**
 * The tenant after a transition, or null when its status (or, for an operator, its version) no
 * longer allows it. Stores apply exactly this on the tenant they read, as a compare-and-set.
 */
export function applyTransition(current: TenantEntity, transition: TenantTransition, update: TenantUpdate): TenantEntity | null {
  if (!canTransition(current, transition)) return null;
  if (update.expectedVersion !== undefined && current.version !== update.expectedVersion) return null;
  return {
    ...current,
    status: update.status,
    version: current.version + 1,
    updatedAt: update.at,
    activatedAt: transition === 'activate' ? update.at : current.activatedAt,
    archivedAt: transition === 'archive' ? update.at : transition === 'restore' ? null : current.archivedAt,
  };
}

/** The status a transition leads to; restore returns to active only if the tenant was ever active. */
export function targetStatus(tenant: Pick<TenantEntity, 'status' | 'activatedAt'>, transition: TenantTransition): TenantStatus {
  switch (transition) {
    case 'start_onboarding':
      return 'onboarding';
    case 'activate':
      return 'active';
    case 'archive':
      return 'archived';
    case 'restore':
      return tenant.activatedAt ? 'active' : 'draft';
  }
}

/**
 * Why archiving the tenant is refused right now, or null when it is allowed. An open onboarding
 * draft holds the tenant (archiving would strand the wizard), so it refuses first. This one
 * decision is what `operabilityOf` reports as canArchive and what the archive action enforces.
 */
export function archiveRefusal(tenant: Pick<TenantEntity, 'id' | 'status'>, openDraftId: string | null): DomainError | null {
  if (openDraftId) return tenantErrors.onboardingInProgress(tenant.id, openDraftId);
  if (!canTransition(tenant, 'archive')) return tenantErrors.transitionNotAllowed(tenant.status, 'archive');
  return null;
}

/** What the tenant allows right now: its status's row, with the archive decision applied. */
export function operabilityOf(tenant: Pick<TenantEntity, 'id' | 'status'>, openDraftId: string | null): Operability {
  return { ...OPERABILITY[tenant.status], canArchive: archiveRefusal(tenant, openDraftId) === null };
}

/** Throws the domain error that explains why a tenant cannot be onboarded (identify). */
export function assertCanOnboard(tenant: Pick<TenantEntity, 'status' | 'id'>): void {
  if (tenant.status === 'active') throw tenantErrors.alreadyActive(tenant.id);
  if (tenant.status === 'archived') throw tenantErrors.archived(tenant.id);
}
