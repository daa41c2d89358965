import { isRunEvidenceFor, mayBeDraftRun, withRunEvidence } from '../domain/draft-evidence';
import type { RunEvidence } from '../domain/evidence';
import { SYSTEM_ACTOR, writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface RunFact {
  workspaceId: string;
  tenantId: string | null;
  run: RunEvidence;
}

/**
 * A run event is evidence for the open draft of its tenant when the draft started the run or may
 * have (domain/draft-evidence.ts); a run on no connection is not looked up at all.
 * The draft's lifecycle and checkpoints are recalculated from the merged evidence, so a replay or
 * an older event arriving late changes nothing.
 */
export class RecordRunFactUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  /** The number of drafts the fact was evidence for (a replay changes none of them). */
  async execute(fact: RunFact): Promise<number> {
    if (!mayBeDraftRun(fact.run)) return 0;
    const drafts = (await this.deps.drafts.findOpenForEvidence(fact.workspaceId, { tenantId: fact.tenantId })).filter((draft) => isRunEvidenceFor(draft, fact.run));
    for (const draft of drafts) {
      await writeDraft(this.deps, { workspaceId: fact.workspaceId, draftId: draft.id, actor: SYSTEM_ACTOR }, (d) => ({
        next: withRunEvidence(d, fact.run),
        action: null,
      }));
    }
    return drafts.length;
  }
}
