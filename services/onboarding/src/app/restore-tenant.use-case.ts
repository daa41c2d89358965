import { requireVersion } from '../domain/validation';
import type { OnboardingDeps } from './ports';
import { transitionTenant, viewOf, type TenantCommand, type TenantView } from './tenant-writer';

/** Restores an archived tenant: to active if it ever was, otherwise back to draft. */
export class RestoreTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: TenantCommand): Promise<TenantView> {
    const expectedVersion = requireVersion(command.expectedVersion);
    const restored = await transitionTenant(this.deps, command.workspaceId, command.tenantId, 'restore', command.actor, { expectedVersion });
    return viewOf(this.deps, restored);
  }
}
