import type { DraftEntity } from '../domain/draft';
import { compactReadiness, type CompactReadiness } from '../domain/readiness';
import type { DraftFilter, OnboardingDeps, Page } from './ports';

export interface ListDraftsCommand {
  workspaceId: string;
  filter: DraftFilter;
  pageSize: number;
  pageToken: string;
}

/** A page of drafts, each with the readiness its stored evidence gives (no live reads). */
export class ListDraftsUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: ListDraftsCommand): Promise<Page<{ draft: DraftEntity; readiness: CompactReadiness }>> {
    const page = await this.deps.drafts.list(command.workspaceId, command.filter, command.pageSize, command.pageToken);
    return { items: page.items.map((draft) => ({ draft, readiness: compactReadiness(draft) })), nextPageToken: page.nextPageToken };
  }
}
