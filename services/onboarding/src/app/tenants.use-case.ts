import type { Actor } from '@tenantatlas/shared';
import { tenantErrors } from '../domain/errors';
import { tenantEvent, type TenantVerb } from '../domain/events';
import {
  archiveRefusal,
  canTransition,
  operabilityOf,
  targetStatus,
  type Operability,
  type TenantEntity,
  type TenantStatus,
  type TenantTransition,
} from '../domain/tenant';
import { optionalText, requireVersion } from '../domain/validation';
import { envelopes } from './draft-writer';
import type { OnboardingDeps, Page } from './ports';

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
  const current = await deps.tenants.get(workspaceId, tenantId);
  if (!current) throw tenantErrors.notFound(tenantId);
  const operator = options.expectedVersion !== undefined;
  if (operator && current.version !== options.expectedVersion) throw tenantErrors.versionConflict(current.version, options.expectedVersion!);
  if (!canTransition(current, transition)) {
    if (operator) throw tenantErrors.transitionNotAllowed(current.status, transition);
    return current;
  }
  const now = deps.clock.now();
  const status = targetStatus(current, transition);
  const updated = await deps.tenants.transition(
    workspaceId,
    tenantId,
    transition,
    { status, expectedVersion: options.expectedVersion, at: now },
    (after) => envelopes([tenantEvent(current, after, VERB[transition], options.extra)], workspaceId, actor, now),
  );
  if (updated) {
    return updated;
  }
  const latest = await deps.tenants.get(workspaceId, tenantId);
  if (!latest) throw tenantErrors.notFound(tenantId);
  if (operator && latest.version !== options.expectedVersion) throw tenantErrors.versionConflict(latest.version, options.expectedVersion!);
  if (operator) throw tenantErrors.transitionNotAllowed(latest.status, transition);
  return latest;
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

export async function archiveTenant(
  deps: OnboardingDeps,
  cmd: { workspaceId: string; actor: Actor; tenantId: string; expectedVersion: number; reason: string },
): Promise<TenantView> {
  const expectedVersion = requireVersion(cmd.expectedVersion);
  const reason = optionalText('reason', cmd.reason, 500);
  const tenant = await deps.tenants.get(cmd.workspaceId, cmd.tenantId);
  if (!tenant) throw tenantErrors.notFound(cmd.tenantId);
  const open = await deps.drafts.findOpenByTenant(cmd.workspaceId, cmd.tenantId);
  // the same decision that operability.canArchive reports
  const refusal = archiveRefusal(tenant, open?.id ?? null);
  if (refusal) throw refusal;
  const archived = await transitionTenant(deps, cmd.workspaceId, cmd.tenantId, 'archive', cmd.actor, { expectedVersion, extra: { reason } });
  return viewOf(deps, archived);
}

export async function restoreTenant(
  deps: OnboardingDeps,
  cmd: { workspaceId: string; actor: Actor; tenantId: string; expectedVersion: number },
): Promise<TenantView> {
  const restored = await transitionTenant(deps, cmd.workspaceId, cmd.tenantId, 'restore', cmd.actor, { expectedVersion: requireVersion(cmd.expectedVersion) });
  return viewOf(deps, restored);
}

/** One `_id` read of the tenant (the workspace checked by the repository) and one of its open-draft claim. */
export async function getTenant(deps: OnboardingDeps, workspaceId: string, tenantId: string): Promise<TenantView> {
  const tenant = await deps.tenants.get(workspaceId, tenantId);
  if (!tenant) throw tenantErrors.notFound(tenantId);
  return viewOf(deps, tenant);
}

/** A page of tenants; each one's open-draft claim is read by `_id` (page size bounds the cost). */
export async function listTenants(
  deps: OnboardingDeps,
  workspaceId: string,
  status: TenantStatus | undefined,
  pageSize: number,
  pageToken: string,
): Promise<Page<TenantView>> {
  const page = await deps.tenants.list(workspaceId, status, pageSize, pageToken);
  return { items: await Promise.all(page.items.map((tenant) => viewOf(deps, tenant))), nextPageToken: page.nextPageToken };
}
