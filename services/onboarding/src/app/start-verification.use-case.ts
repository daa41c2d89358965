import type { DraftEntity } from '../domain/draft';
import { withRunEvidence } from '../domain/draft-evidence';
import { draftErrors } from '../domain/errors';
import { loadMutable, writeDraft, type DraftCommand } from './draft-writer';
import type { OnboardingDeps } from './ports';

export type StartVerificationCommand = DraftCommand;

export interface StartVerificationResult {
  draft: DraftEntity;
  runId: string;
  runStatus: string;
  deduplicated: boolean;
}

/**
 * Starts (or reuses) a provider.connection.check run for the selected connection. The guards run
 * before the run is started; the idempotency key makes a retried call return the same run.
 */
export class StartVerificationUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: StartVerificationCommand): Promise<StartVerificationResult> {
    const current = await loadMutable(this.deps, command);
    if (!current.tenantId) throw draftErrors.tenantNotIdentified();
    const connectionId = current.state.selectedConnectionId;
    if (!connectionId) throw draftErrors.connectionNotSelected();
    const { run, deduplicated } = await this.deps.operations.startRun({
      workspaceId: command.workspaceId,
      actor: command.actor,
      tenantId: current.tenantId,
      type: this.deps.verificationRunType,
      subject: connectionId,
      idempotencyKey: `onboarding:${current.id}:v${command.expectedVersion}:verify`,
    });
    const draft = await writeDraft(this.deps, command, (d) => ({
      next: withRunEvidence({ ...d, state: { ...d.state, verificationRunId: run.runId, verificationConnectionId: connectionId } }, run),
      action: 'verification_started',
      extra: { runId: run.runId, connectionId, deduplicated },
    }));
    return { draft, runId: run.runId, runStatus: run.status, deduplicated };
  }
}
