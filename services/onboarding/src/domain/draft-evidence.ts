import { referencedRunIds, runOf, type DraftEntity } from './draft';
import { latest, mergeConnection, mergeRuns, type ConnectionEvidence, type RunEvidence } from './evidence';

/** Folds a run fact into a draft's evidence (pure; safe to repeat and to apply out of order). */
export function withRunEvidence(draft: DraftEntity, run: RunEvidence): DraftEntity {
  if (!isRunEvidenceFor(draft, run)) return draft;
  return { ...draft, evidence: { ...draft.evidence, runs: mergeRuns(draft.evidence.runs, run, referencedRunIds(draft.state)) } };
}

/**
 * Whether a run is evidence for the draft: one it started, or may have. A draft starts its runs
 * on its selected connection, and a run's events can come before the start's answer names the run
 * in the draft: so a run on the selected connection counts. Once its verification has succeeded,
 * the draft may start bootstrap runs, and a bootstrap start is deduplicated per tenant and type: it
 * can be handed the tenant's active run on another connection. So from then on every run of the
 * tenant counts. Before that, any other run of the tenant is none of the draft's business.
 */
export function isRunEvidenceFor(draft: Pick<DraftEntity, 'state' | 'evidence'>, run: Pick<RunEvidence, 'runId' | 'subject'>): boolean {
  return (
    referencedRunIds(draft.state).has(run.runId) ||
    (run.subject !== '' && run.subject === draft.state.selectedConnectionId) ||
    mayStartBootstrap(draft)
  );
}

function mayStartBootstrap(draft: Pick<DraftEntity, 'state' | 'evidence'>): boolean {
  const verification = runOf(draft, draft.state.verificationRunId);
  return verification?.status === 'completed' && verification.outcome === 'succeeded';
}

/** A run without a subject runs on no connection, so no draft started it (see isRunEvidenceFor). */
export const mayBeDraftRun = (run: Pick<RunEvidence, 'subject'>): boolean => run.subject !== '';

/**
 * Folds a connection fact into a draft's evidence. Only the selected connection counts. `changedAt`
 * is the time of an invalidating change (from an event); a snapshot that says its verification is
 * stale contributes its own last update time.
 */
export function withConnectionEvidence(draft: DraftEntity, connection: ConnectionEvidence | null, changedAt: Date | null = null): DraftEntity {
  const connectionId = connection?.connectionId;
  if (!connectionId || connectionId !== draft.state.selectedConnectionId) return draft;
  const staleSince = connection.verificationStale ? connection.updatedAt : null;
  return {
    ...draft,
    evidence: {
      ...draft.evidence,
      connection: mergeConnection(draft.evidence.connection, connection),
      connectionChangedAt: latest(draft.evidence.connectionChangedAt, latest(changedAt, staleSince)),
    },
  };
}

/** Marks the selected connection as changed at `changedAt` without a snapshot (the connection could not be read). */
export function withConnectionChange(draft: DraftEntity, connectionId: string, changedAt: Date): DraftEntity {
  if (connectionId !== draft.state.selectedConnectionId) return draft;
  return { ...draft, evidence: { ...draft.evidence, connectionChangedAt: latest(draft.evidence.connectionChangedAt, changedAt) } };
}
