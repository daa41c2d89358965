import { referencedRunIds, type DraftEntity } from './draft';
import { latest, mergeConnection, mergeRuns, type ConnectionEvidence, type RunEvidence } from './evidence';

/** Folds a run fact into a draft's evidence (pure; safe to repeat and to apply out of order). */
export function withRunEvidence(draft: DraftEntity, run: RunEvidence): DraftEntity {
  return { ...draft, evidence: { ...draft.evidence, runs: mergeRuns(draft.evidence.runs, run, referencedRunIds(draft.state)) } };
}

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
