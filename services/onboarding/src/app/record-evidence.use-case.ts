import { withConnectionChange, withConnectionEvidence, withRunEvidence } from '../domain/draft-evidence';
import type { RunEvidence } from '../domain/evidence';
import { SYSTEM_ACTOR, writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface RunFact {
  workspaceId: string;
  tenantId: string | null;
  run: RunEvidence;
}

/**
 * A run event is evidence for the open draft of its tenant.
 * The draft's lifecycle and checkpoints are recalculated from the merged evidence, so a replay or
 * an older event arriving late changes nothing.
 */
export async function recordRunFact(deps: OnboardingDeps, fact: RunFact): Promise<number> {
  const drafts = await deps.drafts.findOpenForEvidence(fact.workspaceId, { tenantId: fact.tenantId });
  for (const draft of drafts) {
    await writeDraft(deps, { workspaceId: fact.workspaceId, draftId: draft.id, actor: SYSTEM_ACTOR }, (d) => ({
      next: withRunEvidence(d, fact.run),
      action: null,
    }));
  }
  return drafts.length;
}

export interface ConnectionFact {
  workspaceId: string;
  tenantId: string | null;
  connectionId: string;
  /** set when the event means the connection changed in a way that invalidates a verification */
  invalidatedAt: Date | null;
}

/**
 * A connection event makes the drafts that selected the connection re-read it (backend truth) and
 * remember an invalidating change by its time, so the order of events does not matter.
 */
export async function recordConnectionFact(deps: OnboardingDeps, fact: ConnectionFact): Promise<number> {
  const candidates = await deps.drafts.findOpenForEvidence(fact.workspaceId, { tenantId: fact.tenantId });
  const drafts = candidates.filter((d) => d.state.selectedConnectionId === fact.connectionId);
  for (const draft of drafts) {
    const snapshot = draft.tenantId
      ? await deps.connections.getConnection(fact.workspaceId, fact.connectionId, draft.tenantId).catch(() => null)
      : null;
    await writeDraft(deps, { workspaceId: fact.workspaceId, draftId: draft.id, actor: SYSTEM_ACTOR }, (d) => {
      let next = withConnectionEvidence(d, snapshot, fact.invalidatedAt);
      if (!snapshot && fact.invalidatedAt) next = withConnectionChange(next, fact.connectionId, fact.invalidatedAt);
      return { next, action: null };
    });
  }
  return drafts.length;
}
