import type { OnboardingDeps, TenantRef } from './ports';
import { existingTenant, viewOf, type TenantView } from './tenant-writer';

/** One `_id` read of the tenant (the workspace checked by the repository) and one of its open-draft claim. */
export class GetTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: TenantRef): Promise<TenantView> {
    return viewOf(this.deps, await existingTenant(this.deps, command));
  }
}
