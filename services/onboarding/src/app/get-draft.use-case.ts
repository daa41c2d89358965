import type { DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import type { OnboardingDeps } from './ports';

export interface GetDraftCommand {
  workspaceId: string;
  draftId: string;
}

/** The draft as stored (one `_id` read); readiness is what reads backend truth. */
export class GetDraftUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: GetDraftCommand): Promise<DraftEntity> {
    const draft = await this.deps.drafts.get(command.workspaceId, command.draftId);
    if (!draft) throw draftErrors.notFound(command.draftId);
    return draft;
  }
}
