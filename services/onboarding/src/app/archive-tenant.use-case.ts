import { tenantErrors } from '../domain/errors';
import { archiveRefusal } from '../domain/tenant';
import { optionalText, requireVersion } from '../domain/validation';
import type { OnboardingDeps } from './ports';
import { existingTenant, transitionTenant, viewOf, type TenantCommand, type TenantView } from './tenant-writer';

export interface ArchiveTenantCommand extends TenantCommand {
  reason: string;
}

/** Archives a tenant that no open onboarding draft holds. */
export class ArchiveTenantUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: ArchiveTenantCommand): Promise<TenantView> {
    const expectedVersion = requireVersion(command.expectedVersion);
    const reason = optionalText('reason', command.reason, 500);
    const tenant = await existingTenant(this.deps, command);
    // The operator decided on the version they read: if it moved on (another operator archived
    // it a moment ago), they must reload, not be told what the newer tenant forbids.
    if (tenant.version !== expectedVersion) throw tenantErrors.versionConflict(tenant.version, expectedVersion);
    const open = await this.deps.drafts.findOpenByTenant(command.workspaceId, command.tenantId);
    // the same decision that operability.canArchive reports
    const refusal = archiveRefusal(tenant, open?.id ?? null);
    if (refusal) throw refusal;
    const archived = await transitionTenant(this.deps, command.workspaceId, command.tenantId, 'archive', command.actor, { expectedVersion, extra: { reason } });
    return viewOf(this.deps, archived);
  }
}
