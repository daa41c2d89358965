import { referencedRunIds, type DraftEntity } from '../domain/draft';
import { withConnectionEvidence, withRunEvidence } from '../domain/draft-evidence';
import type { ConnectionEvidence, RunEvidence } from '../domain/evidence';
import type { OnboardingDeps } from './ports';

export interface LiveEvidence {
  runs: RunEvidence[];
  /** the selected connection read live; null when there is none or it could not be read */
  connection: ConnectionEvidence | null;
  /** every read answered (otherwise stored evidence fills the gaps) */
  live: boolean;
}

/**
 * Reads the backend truth a readiness decision depends on: the referenced runs that are not known
 * to be finished, and the selected connection. Failures are reported, not thrown.
 */
export async function readLiveEvidence(deps: OnboardingDeps, draft: DraftEntity): Promise<LiveEvidence> {
  const known = new Map(draft.evidence.runs.map((r) => [r.runId, r]));
  const pending = [...referencedRunIds(draft.state)].filter((id) => known.get(id)?.status !== 'completed');
  let live = true;
  const runs = await Promise.all(
    pending.map((id) =>
      deps.operations.getRun(draft.workspaceId, id).catch(() => {
        live = false;
        return null;
      }),
    ),
  );
  let connection: ConnectionEvidence | null = null;
  const connectionId = draft.state.selectedConnectionId;
  if (connectionId && draft.tenantId) {
    connection = await deps.connections.getConnection(draft.workspaceId, connectionId, draft.tenantId).catch(() => {
      live = false;
      return null;
    });
  }
  return { runs: runs.filter((r): r is RunEvidence => r !== null), connection, live };
}

export function applyLiveEvidence(draft: DraftEntity, evidence: LiveEvidence): DraftEntity {
  let next = draft;
  for (const run of evidence.runs) next = withRunEvidence(next, run);
  return withConnectionEvidence(next, evidence.connection);
}
