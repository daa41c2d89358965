import type { DraftEntity } from '../domain/draft';
import { draftErrors, peerErrors } from '../domain/errors';
import { computeReadiness } from '../domain/readiness';
import { requireText } from '../domain/validation';
import { loadMutable, writeDraft, type DraftChange, type DraftCommand } from './draft-writer';
import { applyLiveEvidence, readLiveEvidence, type LiveEvidence } from './live-evidence';
import type { OnboardingDeps } from './ports';
import { transitionTenant, viewOf, type TenantView } from './tenant-writer';

export interface ActivateTenantCommand extends DraftCommand {
  override: boolean;
  overrideReason: string;
}

/**
 * Completes onboarding and activates the tenant, only when the lifecycle recalculated from live
 * backend truth is ready_for_activation and the connection is healthy right now. An override (its
 * capability is checked by the gateway) skips that but must say why; the reason is recorded on
 * the draft and in the completed event.
 */
export class ActivateTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: ActivateTenantCommand): Promise<{ draft: DraftEntity; tenant: TenantView }> {
    const reason = command.override ? requireText('override_reason', command.overrideReason, 500) : '';
    const current = await loadMutable(this.deps, command);
    if (!current.tenantId) throw draftErrors.tenantNotIdentified();
    const tenantId = current.tenantId;
    const evidence = await readLiveEvidence(this.deps, current);
    if (!command.override && !evidence.live) throw peerErrors.unavailable();
    const draft = await writeDraft(this.deps, command, (d) => this.completion(d, evidence, command, reason));
    // The draft is completed (terminal) now; the tenant follows. The transition is idempotent, so a
    // transient failure is retried here rather than leaving a completed draft with an inactive tenant.
    for (let attempt = 1; ; attempt++) {
      try {
        const extra = { draftId: draft.id, override: command.override };
        const tenant = await transitionTenant(this.deps, command.workspaceId, tenantId, 'activate', command.actor, { extra });
        return { draft, tenant: await viewOf(this.deps, tenant) };
      } catch (err) {
        if (attempt >= 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** The draft completed, or the refusal that says what is missing (unless overridden). */
  private completion(d: DraftEntity, evidence: LiveEvidence, command: ActivateTenantCommand, reason: string): DraftChange {
    const { override, actor } = command;
    const refreshed = applyLiveEvidence(d, evidence);
    const readiness = computeReadiness(refreshed);
    const healthy = evidence.connection?.verificationStatus === 'healthy' && evidence.connection.enabled;
    if (!override && !readiness.ready) throw draftErrors.notReady(readiness.lifecycle.reasonCode, readiness.nextAction.kind);
    if (!override && !healthy) throw draftErrors.notReady('CONNECTION_NOT_HEALTHY', 'review_permissions');
    const now = this.deps.clock.now();
    const overridden = { overriddenState: readiness.lifecycle.lifecycleState, overriddenReasonCode: readiness.lifecycle.reasonCode };
    return {
      next: {
        ...refreshed,
        lifecycleState: 'completed',
        currentCheckpoint: 'complete',
        lastCompletedCheckpoint: 'complete',
        reasonCode: override && !readiness.ready ? 'ACTIVATION_OVERRIDDEN' : '',
        blockingReasonCode: '',
        currentStep: 'complete',
        completedAt: now,
        activationOverride: override ? { reason, actor, at: now, ...overridden } : null,
      },
      action: 'completed',
      extra: override ? { override: true, overrideReason: reason, ...overridden } : { override: false },
    };
  }
}
