import { tenantErrors } from '../domain/errors';
import type { OnboardingDeps } from './ports';
import { viewOf, type TenantView } from './tenant-writer';

export interface GetTenantCommand {
  workspaceId: string;
  tenantId: string;
}

/** One `_id` read of the tenant (the workspace checked by the repository) and one of its open-draft claim. */
export class GetTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: GetTenantCommand): Promise<TenantView> {
    const tenant = await this.deps.tenants.get(command.workspaceId, command.tenantId);
    if (!tenant) throw tenantErrors.notFound(command.tenantId);
    return viewOf(this.deps, tenant);
  }
}
