import type { TenantDirectory, TenantStanding } from '@tenantatlas/core';
import type { ProtoGrpcType } from './generated/onboarding';
import type { OnboardingServiceClient } from './generated/tenantatlas/onboarding/v1/OnboardingService';
import { isDomainError } from '@tenantatlas/core';
import { insecureCredentials, promiseClient, type PromiseClient } from './client';
import { loadProto } from './proto';

/**
 * The one TenantDirectory every service that names a tenant uses: onboarding's GetTenant, which
 * reads the tenant by `_id` and checks its workspace.
 */
export class GrpcTenantDirectory implements TenantDirectory {
  private readonly client: PromiseClient<OnboardingServiceClient>;

  constructor(address: string, timeoutMs: number) {
    const { OnboardingService } = loadProto<ProtoGrpcType>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1;
    this.client = promiseClient(new OnboardingService(address, insecureCredentials()), timeoutMs);
  }

  async standing(workspaceId: string, tenantId: string): Promise<TenantStanding | null> {
    try {
      const { tenant } = await this.client.GetTenant({ workspace_id: workspaceId, tenant_id: tenantId });
      return tenant ? { status: tenant.status } : null;
    } catch (err) {
      // an id onboarding refuses as malformed names no tenant either
      if (isDomainError(err) && (err.kind === 'not_found' || err.kind === 'invalid_argument')) return null;
      throw err;
    }
  }

  close(): void {
    this.client.close();
  }
}
