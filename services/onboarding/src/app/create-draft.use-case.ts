import type { Actor } from '@tenantatlas/shared';
import type { DraftEntity } from '../domain/draft';
import { insertDraft, newDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface CreateDraftCommand {
  workspaceId: string;
  actor: Actor;
}

/** CreateDraft: an empty draft, tenant not identified yet. */
export class CreateDraftUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: CreateDraftCommand): Promise<DraftEntity> {
    return insertDraft(this.deps, newDraft(this.deps, command.workspaceId, command.actor, null), command.actor);
  }
}
