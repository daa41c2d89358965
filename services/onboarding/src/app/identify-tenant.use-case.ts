import { isDomainError, type Actor } from '@tenantatlas/shared';
import { advanceStep, assertMutable, type DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { assertCanOnboard, operabilityOf, type Operability, type TenantEntity } from '../domain/tenant';
import { externalTenantId, primaryDomain, requireText, requireVersion } from '../domain/validation';
import { insertDraft, newDraft } from './create-draft.use-case';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import { ensureTenant } from './tenants.use-case';

export interface IdentifyTenantCommand {
  workspaceId: string;
  actor: Actor;
  draftId: string;
  expectedVersion: number;
  externalTenantId: string;
  name: string;
  primaryDomain: string;
}

export interface IdentifyTenantResult {
  draft: DraftEntity;
  tenant: TenantEntity;
  /** what the tenant allows now that this draft is open for it */
  operability: Operability;
  resumed: boolean;
  tenantCreated: boolean;
}

/**
 * Upsert-or-resume (seed 001): one tenant per (workspace, external id), guarded by the database.
 * Without a draft id the tenant's open draft is resumed or a new one created; the open-draft slot
 * is a unique index too, so concurrent calls end on the same draft.
 */
export async function identifyTenant(deps: OnboardingDeps, cmd: IdentifyTenantCommand): Promise<IdentifyTenantResult> {
  const input = {
    externalTenantId: externalTenantId(cmd.externalTenantId),
    name: requireText('name', cmd.name),
    primaryDomain: primaryDomain(cmd.primaryDomain),
  };
  const expectedVersion = cmd.draftId ? requireVersion(cmd.expectedVersion) : undefined;
  if (cmd.draftId) {
    // Check the draft before creating anything, so a stale or terminal call writes nothing.
    const current = await deps.drafts.get(cmd.workspaceId, cmd.draftId);
    if (!current) throw draftErrors.notFound(cmd.draftId);
    assertMutable(current, expectedVersion!);
    if (current.tenantId && current.externalTenantId !== input.externalTenantId) {
      throw draftErrors.tenantAlreadyIdentified(current.externalTenantId);
    }
  }
  const { tenant, created } = await ensureTenant(deps, cmd.workspaceId, cmd.actor, input);
  assertCanOnboard(tenant);
  if (!cmd.draftId) return resumeOrCreate(deps, cmd, tenant, created);
  const draft = await writeDraft(deps, { workspaceId: cmd.workspaceId, draftId: cmd.draftId, actor: cmd.actor, expectedVersion }, (current) => {
    if (current.tenantId && current.externalTenantId !== input.externalTenantId) {
      throw draftErrors.tenantAlreadyIdentified(current.externalTenantId);
    }
    return {
      next: {
        ...current,
        tenantId: tenant.id,
        externalTenantId: tenant.externalTenantId,
        tenantName: input.name,
        primaryDomain: input.primaryDomain,
        currentStep: advanceStep(current.currentStep, 'connect'),
      },
      action: 'tenant_identified',
      extra: { tenantCreated: created },
    };
  });
  return { draft, tenant, operability: operabilityOf(tenant, draft.id), resumed: false, tenantCreated: created };
}

async function resumeOrCreate(
  deps: OnboardingDeps,
  cmd: IdentifyTenantCommand,
  tenant: TenantEntity,
  tenantCreated: boolean,
): Promise<IdentifyTenantResult> {
  const open = await deps.drafts.findOpenByTenant(cmd.workspaceId, tenant.id);
  if (open) return { draft: open, tenant, operability: operabilityOf(tenant, open.id), resumed: true, tenantCreated };
  try {
    const draft = await insertDraft(deps, newDraft(deps, cmd.workspaceId, cmd.actor, tenant), cmd.actor);
    return { draft, tenant, operability: operabilityOf(tenant, draft.id), resumed: false, tenantCreated };
  } catch (err) {
    if (!isDomainError(err) || err.code !== 'TENANT.ONBOARDING_IN_PROGRESS') throw err;
    // A concurrent identify took the slot; its draft appears right after its claim.
    for (let i = 0; i < 30; i++) {
      const winner = await deps.drafts.findOpenByTenant(cmd.workspaceId, tenant.id);
      if (winner) return { draft: winner, tenant, operability: operabilityOf(tenant, winner.id), resumed: true, tenantCreated };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw err;
  }
}
