import type { Actor } from '@tenantatlas/shared';
import { assertMutable, type DraftEntity } from '../domain/draft';
import { withRunEvidence } from '../domain/draft-evidence';
import { draftErrors } from '../domain/errors';
import { requireVersion } from '../domain/validation';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface DraftCommand {
  workspaceId: string;
  actor: Actor;
  draftId: string;
  expectedVersion: number;
}

export interface StartVerificationResult {
  draft: DraftEntity;
  runId: string;
  runStatus: string;
  deduplicated: boolean;
}

/** Loads a draft for an operator mutation and applies the guards before any side effect. */
export async function loadMutable(deps: OnboardingDeps, cmd: DraftCommand): Promise<DraftEntity> {
  const draft = await deps.drafts.get(cmd.workspaceId, cmd.draftId);
  if (!draft) throw draftErrors.notFound(cmd.draftId);
  assertMutable(draft, requireVersion(cmd.expectedVersion));
  return draft;
}

/**
 * Starts (or reuses) a provider.connection.check run for the selected connection. The guards run
 * before the run is started; the idempotency key makes a retried call return the same run.
 */
export async function startVerification(deps: OnboardingDeps, cmd: DraftCommand): Promise<StartVerificationResult> {
  const current = await loadMutable(deps, cmd);
  if (!current.tenantId) throw draftErrors.tenantNotIdentified();
  const connectionId = current.state.selectedConnectionId;
  if (!connectionId) throw draftErrors.connectionNotSelected();
  const { run, deduplicated } = await deps.operations.startRun({
    workspaceId: cmd.workspaceId,
    actor: cmd.actor,
    tenantId: current.tenantId,
    type: deps.verificationRunType,
    subject: connectionId,
    idempotencyKey: `onboarding:${current.id}:v${cmd.expectedVersion}:verify`,
  });
  const draft = await writeDraft(deps, cmd, (d) => {
    return {
      next: withRunEvidence({ ...d, state: { ...d.state, verificationRunId: run.runId, verificationConnectionId: connectionId } }, run),
      action: 'verification_started',
      extra: { runId: run.runId, connectionId, deduplicated },
    };
  });
  return { draft, runId: run.runId, runStatus: run.status, deduplicated };
}
