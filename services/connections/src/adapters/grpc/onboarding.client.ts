import { insecureCredentials, isDomainError, loadProto, promiseClient, type PromiseClient } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/onboarding';
import type { OnboardingServiceClient } from '@tenantatlas/shared/proto/tenantatlas/onboarding/v1/OnboardingService';
import type { TenantDirectory } from '../../app/ports';
import type { TenantStanding } from '../../domain/tenant-standing';

/** TenantDirectory over onboarding's GetTenant (one `_id` read there, the workspace checked by it). */
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
      // an id onboarding rejects as malformed names no tenant either
      if (isDomainError(err) && (err.kind === 'not_found' || err.kind === 'invalid_argument')) return null;
      throw err;
    }
  }

  close(): void {
    this.client.close();
  }
}
