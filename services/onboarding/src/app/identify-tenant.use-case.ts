import { isDomainError, type Actor } from '@tenantatlas/core';
import { advanceStep, assertMutable, type DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { assertCanOnboard, operabilityOf, type Operability, type TenantEntity } from '../domain/tenant';
import { externalTenantId, primaryDomain, requireText, requireVersion } from '../domain/validation';
import { existingDraft, insertDraft, newDraft, writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import { ensureTenant } from './tenant-writer';

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

type TenantInput = { externalTenantId: string; name: string; primaryDomain: string };

/**
 * Upsert-or-resume (seed 001): one tenant per (workspace, external id), guarded by the database.
 * Without a draft id the tenant's open draft is resumed or a new one created; the open-draft slot
 * is a unique index too, so concurrent calls end on the same draft.
 */
export class IdentifyTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: IdentifyTenantCommand): Promise<IdentifyTenantResult> {
    const input: TenantInput = {
      externalTenantId: externalTenantId(command.externalTenantId),
      name: requireText('name', command.name),
      primaryDomain: primaryDomain(command.primaryDomain),
    };
    const expectedVersion = command.draftId ? requireVersion(command.expectedVersion) : undefined;
    if (command.draftId) {
      // Check the draft before creating anything, so a stale or terminal call writes nothing.
      const current = await existingDraft(this.deps, command);
      assertMutable(current, expectedVersion!);
      assertSameTenant(current, input);
    }
    const { tenant, created } = await ensureTenant(this.deps, command.workspaceId, command.actor, input);
    assertCanOnboard(tenant);
    if (!command.draftId) return this.resumeOrCreate(command, tenant, created);
    const draft = await writeDraft(this.deps, { ...command, expectedVersion }, (current) => {
      assertSameTenant(current, input);
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

  private async resumeOrCreate(command: IdentifyTenantCommand, tenant: TenantEntity, tenantCreated: boolean): Promise<IdentifyTenantResult> {
    const opened = (draft: DraftEntity, resumed: boolean) => ({ draft, tenant, operability: operabilityOf(tenant, draft.id), resumed, tenantCreated });
    const open = await this.deps.drafts.findOpenByTenant(command.workspaceId, tenant.id);
    if (open) return opened(open, true);
    try {
      return opened(await insertDraft(this.deps, newDraft(this.deps, command.workspaceId, command.actor, tenant), command.actor), false);
    } catch (err) {
      if (!isDomainError(err) || err.code !== 'TENANT.ONBOARDING_IN_PROGRESS') throw err;
      // A concurrent identify took the slot; its draft appears right after its claim.
      for (let i = 0; i < 30; i++) {
        const winner = await this.deps.drafts.findOpenByTenant(command.workspaceId, tenant.id);
        if (winner) return opened(winner, true);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw err;
    }
  }
}

/** A draft onboards one tenant: once identified, it refuses another. */
function assertSameTenant(draft: DraftEntity, input: TenantInput): void {
  if (draft.tenantId && draft.externalTenantId !== input.externalTenantId) throw draftErrors.tenantAlreadyIdentified(draft.externalTenantId);
}
