import type { DraftEntity } from '../domain/draft';
import { optionalText } from '../domain/validation';
import { writeDraft, type DraftCommand } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface CancelDraftCommand extends DraftCommand {
  reason: string;
}

/** Cancels a draft for good; the tenant keeps its status and may be onboarded with a new draft. */
export class CancelDraftUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: CancelDraftCommand): Promise<DraftEntity> {
    const reason = optionalText('reason', command.reason, 500);
    return writeDraft(this.deps, command, (d) => ({
      next: { ...d, lifecycleState: 'cancelled', cancelledAt: this.deps.clock.now(), cancelReason: reason, reasonCode: 'CANCELLED', blockingReasonCode: '' },
      action: 'cancelled',
      extra: { reason },
    }));
  }
}
