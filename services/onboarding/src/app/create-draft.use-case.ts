import type { DraftEntity } from '../domain/draft';
import { insertDraft, newDraft, type DraftCommand } from './draft-writer';
import type { OnboardingDeps } from './ports';

/** CreateDraft: an empty draft, tenant not identified yet. */
export class CreateDraftUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: Pick<DraftCommand, 'workspaceId' | 'actor'>): Promise<DraftEntity> {
    return insertDraft(this.deps, newDraft(this.deps, command.workspaceId, command.actor, null), command.actor);
  }
}
