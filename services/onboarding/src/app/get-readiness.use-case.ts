import { isTerminal, type DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { compactReadiness, computeReadiness, type CompactReadiness, type Readiness } from '../domain/readiness';
import { SYSTEM_ACTOR, writeDraft } from './draft-writer';
import type { DraftFilter, OnboardingDeps, Page } from './ports';
import { applyLiveEvidence, readLiveEvidence } from './refresh-evidence';

export interface ReadinessView {
  draft: DraftEntity;
  readiness: Readiness;
}

/**
 * Readiness from backend truth: reads the runs and the connection live, stores what it learned
 * (recalculating the lifecycle, as any evidence does) and derives the summary and next action.
 */
export async function getReadiness(deps: OnboardingDeps, workspaceId: string, draftId: string): Promise<ReadinessView> {
  const stored = await deps.drafts.get(workspaceId, draftId);
  if (!stored) throw draftErrors.notFound(draftId);
  if (isTerminal(stored)) return { draft: stored, readiness: computeReadiness(stored) };
  const evidence = await readLiveEvidence(deps, stored);
  const draft = await writeDraft(deps, { workspaceId, draftId, actor: SYSTEM_ACTOR }, (d) => ({
    next: applyLiveEvidence(d, evidence),
    action: null,
  }));
  return { draft, readiness: computeReadiness(draft, !evidence.live) };
}

export async function getDraft(deps: OnboardingDeps, workspaceId: string, draftId: string): Promise<DraftEntity> {
  const draft = await deps.drafts.get(workspaceId, draftId);
  if (!draft) throw draftErrors.notFound(draftId);
  return draft;
}

export async function listDrafts(
  deps: OnboardingDeps,
  workspaceId: string,
  filter: DraftFilter,
  pageSize: number,
  pageToken: string,
): Promise<Page<{ draft: DraftEntity; readiness: CompactReadiness }>> {
  const page = await deps.drafts.list(workspaceId, filter, pageSize, pageToken);
  return { items: page.items.map((draft) => ({ draft, readiness: compactReadiness(draft) })), nextPageToken: page.nextPageToken };
}
