import type { DraftEntity } from '../domain/draft';
import { optionalText } from '../domain/validation';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import type { DraftCommand } from './start-verification.use-case';

/** Cancels a draft for good; the tenant keeps its status and may be onboarded with a new draft. */
export async function cancelDraft(deps: OnboardingDeps, cmd: DraftCommand & { reason: string }): Promise<DraftEntity> {
  const reason = optionalText('reason', cmd.reason, 500);
  return writeDraft(deps, cmd, (d) => ({
    next: { ...d, lifecycleState: 'cancelled', cancelledAt: deps.clock.now(), cancelReason: reason, reasonCode: 'CANCELLED', blockingReasonCode: '' },
    action: 'cancelled',
    extra: { reason },
  }));
}
