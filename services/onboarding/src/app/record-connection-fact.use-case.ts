import { withConnectionChange, withConnectionEvidence } from '../domain/draft-evidence';
import { SYSTEM_ACTOR, writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';

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
export class RecordConnectionFactUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  /** The number of drafts the fact was evidence for. */
  async execute(fact: ConnectionFact): Promise<number> {
    const candidates = await this.deps.drafts.findOpenForEvidence(fact.workspaceId, { tenantId: fact.tenantId });
    const drafts = candidates.filter((d) => d.state.selectedConnectionId === fact.connectionId);
    for (const draft of drafts) {
      const snapshot = draft.tenantId
        ? await this.deps.connections.getConnection(fact.workspaceId, fact.connectionId, draft.tenantId).catch(() => null)
        : null;
      await writeDraft(this.deps, { workspaceId: fact.workspaceId, draftId: draft.id, actor: SYSTEM_ACTOR }, (d) => {
        let next = withConnectionEvidence(d, snapshot, fact.invalidatedAt);
        if (!snapshot && fact.invalidatedAt) next = withConnectionChange(next, fact.connectionId, fact.invalidatedAt);
        return { next, action: null };
      });
    }
    return drafts.length;
  }
}
