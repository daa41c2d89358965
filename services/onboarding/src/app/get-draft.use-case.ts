import type { DraftEntity } from '../domain/draft';
import { existingDraft } from './draft-writer';
import type { DraftRef, OnboardingDeps } from './ports';

/** The draft as stored (one `_id` read); readiness is what reads backend truth. */
export class GetDraftUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: DraftRef): Promise<DraftEntity> {
    return existingDraft(this.deps, command);
  }
}
