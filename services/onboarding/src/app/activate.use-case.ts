import { DomainError } from '@tenantatlas/shared';
import type { DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { computeReadiness } from '../domain/readiness';
import { requireText } from '../domain/validation';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import { applyLiveEvidence, readLiveEvidence } from './refresh-evidence';
import { loadMutable, type DraftCommand } from './start-verification.use-case';
import { transitionTenant, viewOf, type TenantView } from './tenants.use-case';

export interface ActivateCommand extends DraftCommand {
  override: boolean;
  overrideReason: string;
}

/**
 * Completes onboarding and activates the tenant, only when the lifecycle recalculated from live
 * backend truth is ready_for_activation and the connection is healthy right now. An override (its
 * capability is checked by the gateway) skips that but must say why; the reason is recorded on
 * the draft and in the completed event.
 */
export async function activate(deps: OnboardingDeps, cmd: ActivateCommand): Promise<{ draft: DraftEntity; tenant: TenantView }> {
  const reason = cmd.override ? requireText('override_reason', cmd.overrideReason, 500) : '';
  const current = await loadMutable(deps, cmd);
  if (!current.tenantId) throw draftErrors.tenantNotIdentified();
  const tenantId = current.tenantId;
  const evidence = await readLiveEvidence(deps, current);
  if (!cmd.override && !evidence.live) {
    throw new DomainError('DEPENDENCY.UNAVAILABLE', 'unavailable', 'cannot read the verification run or the connection right now; try again');
  }
  const draft = await writeDraft(deps, cmd, (d) => {
    const refreshed = applyLiveEvidence(d, evidence);
    const readiness = computeReadiness(refreshed);
    const healthy = evidence.connection?.verificationStatus === 'healthy' && evidence.connection.enabled;
    if (!cmd.override && !readiness.ready) throw draftErrors.notReady(readiness.lifecycle.reasonCode, readiness.nextAction.kind);
    if (!cmd.override && !healthy) throw draftErrors.notReady('CONNECTION_NOT_HEALTHY', 'review_permissions');
    const now = deps.clock.now();
    return {
      next: {
        ...refreshed,
        lifecycleState: 'completed',
        currentCheckpoint: 'complete',
        lastCompletedCheckpoint: 'complete',
        reasonCode: cmd.override && !readiness.ready ? 'ACTIVATION_OVERRIDDEN' : '',
        blockingReasonCode: '',
        currentStep: 'complete',
        completedAt: now,
        activationOverride: cmd.override
          ? { reason, actor: cmd.actor, at: now, overriddenState: readiness.lifecycle.lifecycleState, overriddenReasonCode: readiness.lifecycle.reasonCode }
          : null,
      },
      action: 'completed',
      extra: cmd.override
        ? { override: true, overrideReason: reason, overriddenState: readiness.lifecycle.lifecycleState, overriddenReasonCode: readiness.lifecycle.reasonCode }
        : { override: false },
    };
  });
  // The draft is completed (terminal) now; the tenant follows. The transition is idempotent, so a
  // transient failure is retried here rather than leaving a completed draft with an inactive tenant.
  for (let attempt = 1; ; attempt++) {
    try {
      const tenant = await transitionTenant(deps, cmd.workspaceId, tenantId, 'activate', cmd.actor, { extra: { draftId: draft.id, override: cmd.override } });
      return { draft, tenant: await viewOf(deps, tenant) };
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
