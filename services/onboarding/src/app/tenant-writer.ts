import type { Actor } from '@tenantatlas/core';
import { tenantErrors } from '../domain/errors';
import { tenantEvent, type TenantVerb } from '../domain/events';
import { applyTransition, canTransition, operabilityOf, targetStatus, type Operability, type TenantEntity, type TenantTransition } from '../domain/tenant';
import { envelopes } from './events';
import type { OnboardingDeps, OperatorMutation, TenantRef } from './ports';

/** What every operator mutation of a tenant names: the tenant, who, and the version they last read. */
export type TenantCommand = TenantRef & OperatorMutation;

/** The tenant as stored, or TENANT.NOT_FOUND. */
export async function existingTenant(deps: OnboardingDeps, ref: TenantRef): Promise<TenantEntity> {
  const tenant = await deps.tenants.get(ref.workspaceId, ref.tenantId);
  if (!tenant) throw tenantErrors.notFound(ref.tenantId);
  return tenant;
}

const VERB: Record<TenantTransition, TenantVerb> = {
  start_onboarding: 'onboarding_started',
  activate: 'activated',
  archive: 'archived',
  restore: 'restored',
};

/**
 * Finds or creates the one tenant of (workspace, external id). Creation is an insert that the
 * unique index may refuse; then the winner is read back, so concurrent identifies converge.
 */
export async function ensureTenant(
  deps: OnboardingDeps,
  workspaceId: string,
  actor: Actor,
  input: { externalTenantId: string; name: string; primaryDomain: string },
): Promise<{ tenant: TenantEntity; created: boolean }> {
  const existing = await deps.tenants.findByExternalId(workspaceId, input.externalTenantId);
  if (existing) return { tenant: existing, created: false };
  const now = deps.clock.now();
  const tenant: TenantEntity = {
    id: deps.ids(),
    workspaceId,
    externalTenantId: input.externalTenantId,
    name: input.name,
    primaryDomain: input.primaryDomain,
    status: 'draft',
    version: 1,
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
    activatedAt: null,
    archivedAt: null,
  };
  const inserted = await deps.tenants.insert(tenant, envelopes([tenantEvent(null, tenant, 'created')], workspaceId, actor, now));
  if (inserted) {
    return { tenant: inserted, created: true };
  }
  const winner = await deps.tenants.findByExternalId(workspaceId, input.externalTenantId);
  if (!winner) throw tenantErrors.notFound(input.externalTenantId);
  return { tenant: winner, created: false };
}

/** Every lost race is a version another change stored; a tenant that keeps changing under each try is reported, not chased. */
const MAX_ATTEMPTS = 20;

/**
 * A lifecycle transition. With expectedVersion (operator) a stale version is a conflict; without
 * it (system, e.g. activation) it applies if the status allows it and is otherwise a no-op.
 */
export async function transitionTenant(
  deps: OnboardingDeps,
  workspaceId: string,
  tenantId: string,
  transition: TenantTransition,
  actor: Actor,
  options: { expectedVersion?: number; extra?: Record<string, unknown> } = {},
): Promise<TenantEntity> {
  const operator = options.expectedVersion !== undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await existingTenant(deps, { workspaceId, tenantId });
    if (operator && current.version !== options.expectedVersion) throw tenantErrors.versionConflict(current.version, options.expectedVersion!);
    if (!canTransition(current, transition)) {
      if (operator) throw tenantErrors.transitionNotAllowed(current.status, transition);
      return current;
    }
    const now = deps.clock.now();
    const after = applyTransition(current, transition, { status: targetStatus(current, transition), at: now })!;
    const events = envelopes([tenantEvent(current, after, VERB[transition], options.extra)], workspaceId, actor, now);
    // Another change took the version: the operator's read is stale (the next read says so);
    // a system transition is decided again on the tenant as it is now.
    if (await deps.tenants.appendVersion(after, events)) return after;
  }
  throw tenantErrors.contended();
}

/** A tenant as the surfaces show it: with what it allows right now. */
export interface TenantView {
  tenant: TenantEntity;
  operability: Operability;
}

/** Reads the tenant's open-draft claim (by `_id`) to tell what the tenant allows. */
export async function viewOf(deps: OnboardingDeps, tenant: TenantEntity): Promise<TenantView> {
  const open = await deps.drafts.findOpenByTenant(tenant.workspaceId, tenant.id);
  return { tenant, operability: operabilityOf(tenant, open?.id ?? null) };
}
