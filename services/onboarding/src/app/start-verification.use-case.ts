import type { DraftEntity } from '../domain/draft';
import { withRunEvidence } from '../domain/draft-evidence';
import { draftErrors } from '../domain/errors';
import { loadMutable, startDraftRun, writeDraft, type DraftCommand, type StartedRun } from './draft-writer';
import type { OnboardingDeps } from './ports';

/** The draft with the verification run recorded, and that run (an earlier one when deduplicated). */
export interface StartVerificationResult extends StartedRun {
  draft: DraftEntity;
}

/**
 * Starts (or reuses) a provider.connection.check run for the selected connection. The guards run
 * before the run is started; the idempotency key makes a retried call return the same run.
 */
export class StartVerificationUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: DraftCommand): Promise<StartVerificationResult> {
    const current = await loadMutable(this.deps, command);
    if (!current.tenantId) throw draftErrors.tenantNotIdentified();
    const connectionId = current.state.selectedConnectionId;
    if (!connectionId) throw draftErrors.connectionNotSelected();
    const type = this.deps.verificationRunType;
    const started = await startDraftRun(this.deps, command, { tenantId: current.tenantId, type, subject: connectionId, purpose: 'verify' });
    const { run, deduplicated } = started;
    const draft = await writeDraft(this.deps, command, (d) => ({
      next: withRunEvidence({ ...d, state: { ...d.state, verificationRunId: run.runId, verificationConnectionId: connectionId } }, run),
      action: 'verification_started',
      extra: { runId: run.runId, connectionId, deduplicated },
    }));
    return { draft, ...started };
  }
}
