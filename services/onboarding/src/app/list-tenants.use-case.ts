import type { TenantStatus } from '../domain/tenant';
import type { OnboardingDeps, Page } from './ports';
import { viewOf, type TenantView } from './tenant-writer';

export interface ListTenantsCommand {
  workspaceId: string;
  status: TenantStatus | undefined;
  pageSize: number;
  pageToken: string;
}

/** A page of tenants; each one's open-draft claim is read by `_id` (page size bounds the cost). */
export class ListTenantsUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: ListTenantsCommand): Promise<Page<TenantView>> {
    const page = await this.deps.tenants.list(command.workspaceId, command.status, command.pageSize, command.pageToken);
    return { items: await Promise.all(page.items.map((tenant) => viewOf(this.deps, tenant))), nextPageToken: page.nextPageToken };
  }
}
