import type { Actor } from '@tenantatlas/shared';
import { emptyState, type DraftEntity } from '../domain/draft';
import { draftEvents } from '../domain/events';
import { deriveLifecycle, factsOf } from '../domain/lifecycle';
import type { TenantEntity } from '../domain/tenant';
import { envelopes } from './draft-writer';
import type { OnboardingDeps } from './ports';

/** A fresh draft, optionally already linked to its tenant (version 1, lifecycle derived). */
export function newDraft(deps: OnboardingDeps, workspaceId: string, actor: Actor, tenant: TenantEntity | null): DraftEntity {
  const now = deps.clock.now();
  const draft: DraftEntity = {
    id: deps.ids(),
    workspaceId,
    tenantId: tenant?.id ?? null,
    externalTenantId: tenant?.externalTenantId ?? '',
    tenantName: tenant?.name ?? '',
    primaryDomain: tenant?.primaryDomain ?? '',
    currentStep: tenant ? 'connect' : 'identify',
    version: 1,
    revision: 1,
    lifecycleState: 'draft',
    currentCheckpoint: 'identify',
    lastCompletedCheckpoint: null,
    reasonCode: '',
    blockingReasonCode: '',
    completedAt: null,
    cancelledAt: null,
    cancelReason: '',
    startedBy: actor,
    updatedBy: actor,
    createdAt: now,
    updatedAt: now,
    state: emptyState(),
    evidence: { runs: [], connection: null, connectionChangedAt: null },
    activationOverride: null,
  };
  return { ...draft, ...deriveLifecycle(factsOf(draft)) };
}

export async function insertDraft(deps: OnboardingDeps, draft: DraftEntity, actor: Actor): Promise<DraftEntity> {
  const facts = draftEvents(null, draft, 'created');
  return deps.drafts.insert(draft, envelopes(facts, draft.workspaceId, actor, draft.createdAt));
}

/** CreateDraft: an empty draft, tenant not identified yet. */
export async function createDraft(deps: OnboardingDeps, cmd: { workspaceId: string; actor: Actor }): Promise<DraftEntity> {
  return insertDraft(deps, newDraft(deps, cmd.workspaceId, cmd.actor, null), cmd.actor);
}
