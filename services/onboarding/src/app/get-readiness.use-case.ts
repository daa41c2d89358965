import { isTerminal, type DraftEntity } from '../domain/draft';
import { computeReadiness, type Readiness } from '../domain/readiness';
import { existingDraft, SYSTEM_ACTOR, writeDraft } from './draft-writer';
import { applyLiveEvidence, readLiveEvidence } from './live-evidence';
import type { DraftRef, OnboardingDeps } from './ports';

export interface ReadinessView {
  draft: DraftEntity;
  readiness: Readiness;
}

/**
 * Readiness from backend truth: reads the runs and the connection live, stores what it learned
 * (recalculating the lifecycle, as any evidence does) and derives the summary and next action.
 */
export class GetReadinessUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: DraftRef): Promise<ReadinessView> {
    const stored = await existingDraft(this.deps, command);
    if (isTerminal(stored)) return { draft: stored, readiness: computeReadiness(stored) };
    const evidence = await readLiveEvidence(this.deps, stored);
    const draft = await writeDraft(this.deps, { ...command, actor: SYSTEM_ACTOR }, (d) => ({
      next: applyLiveEvidence(d, evidence),
      action: null,
    }));
    return { draft, readiness: computeReadiness(draft, !evidence.live) };
  }
}
