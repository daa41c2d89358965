import { actorToProto } from '@tenantatlas/grpc';
import type { CheckConnectionResponse__Output } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/CheckConnectionResponse';
import type { RefreshPermissionsResponse__Output } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/RefreshPermissionsResponse';
import type { ExecutionContext, RunExecutor } from '../../app/registry';
import type { Run } from '../../domain/run';
import type { ExecutionResult } from '../../domain/transitions';
import type { ConnectionsClient } from './connections.client';

type ProviderStatus = Pick<CheckConnectionResponse__Output, 'status' | 'reason_code' | 'retryable' | 'retry_after_ms'> & { message?: string };


/**
 * The connection a provider run works on, named with the run's tenant: the connections service
 * answers NOT_FOUND for a connection that is not (or no longer) that tenant's, so a worker never
 * touches another tenant's credentials, whatever happened since the start was accepted. That
 * NOT_FOUND fails the run permanently with reason CONNECTION.NOT_FOUND (outcomeOfError).
 */
const target = (run: Run) => ({ workspace_id: run.workspaceId, tenant_id: run.tenantId, connection_id: run.subject });

/**
 * The connections service reports provider failures in the response (status, reason code,
 * retryable, Retry-After) rather than as gRPC errors; this turns them into an attempt result.
 */
export function resultOfProviderStatus(response: ProviderStatus, summaryCounts: Record<string, number>): ExecutionResult {
  const message = response.message || undefined;
  if (response.status === 'healthy') return { kind: 'succeeded', summaryCounts, message };
  if (response.status === 'degraded') {
    return { kind: 'partially_succeeded', reasonCode: response.reason_code || 'PROVIDER.DEGRADED', summaryCounts, message };
  }
  return {
    kind: 'failed',
    errorClass: response.retryable ? 'retryable' : 'permanent',
    reasonCode: response.reason_code || (response.status === 'blocked' ? 'PROVIDER.BLOCKED' : 'PROVIDER.ERROR'),
    retryAfterMs: response.retry_after_ms || 0,
    summaryCounts,
    message,
  };
}

export function checkSummary(response: CheckConnectionResponse__Output): Record<string, number> {
  const count = (status: string) => response.checks.filter((check) => check.status === status).length;
  return { checks_passed: count('pass'), checks_warned: count('warn'), checks_failed: count('fail'), missing_permissions: response.missing_permissions.length };
}

/** `provider.connection.check`: the subject is the provider connection id. */
export class ConnectionCheckExecutor implements RunExecutor {
  constructor(private readonly connections: ConnectionsClient) {}

  async execute({ run }: ExecutionContext): Promise<ExecutionResult> {
    const response = await this.connections.CheckConnection({ ...target(run), actor: actorToProto(run.initiator) });
    return resultOfProviderStatus(response, checkSummary(response));
  }
}

/** `permissions.refresh`: re-reads granted permissions and stores the posture on the connection. */
export class PermissionsRefreshExecutor implements RunExecutor {
  constructor(private readonly connections: ConnectionsClient) {}

  async execute({ run }: ExecutionContext): Promise<ExecutionResult> {
    const response: RefreshPermissionsResponse__Output = await this.connections.RefreshPermissions({ ...target(run), actor: actorToProto(run.initiator) });
    const posture = response.permissions;
    return resultOfProviderStatus(response, {
      missing_application: posture?.missing_application_count ?? 0,
      missing_delegated: posture?.missing_delegated_count ?? 0,
      granted_application: posture?.granted_application.length ?? 0,
    });
  }
}

/**
 * `inventory.sync`: pages through each resource. A repeat after a lost worker starts over, which
 * is safe because syncing only reads from the provider.
 */
export class InventorySyncExecutor implements RunExecutor {
  constructor(private readonly connections: ConnectionsClient) {}

  async execute({ run, signal }: ExecutionContext): Promise<ExecutionResult> {
    const resources = (run.context.resources ?? 'users,groups').split(',');
    const counts: Record<string, number> = { pages: 0 };
    for (const resource of resources) {
      counts[resource] = 0;
      let pageToken = '';
      do {
        if (signal.aborted) return { kind: 'failed', errorClass: 'timeout', reasonCode: 'RUN.ABORTED', message: 'the sync was interrupted', summaryCounts: counts };
        const page = await this.connections.SyncInventory({
          ...target(run),
          actor: actorToProto(run.initiator),
          resource,
          page_token: pageToken,
        });
        counts[resource] = (counts[resource] ?? 0) + page.items.length;
        counts.pages = (counts.pages ?? 0) + 1;
        pageToken = page.next_page_token;
      } while (pageToken);
    }
    return { kind: 'succeeded', summaryCounts: counts, message: `synced ${resources.join(' and ')}` };
  }
}

/** `policy.sync`: the connections contract has no policy read yet; the run says so instead of pretending. */
export class PolicySyncExecutor implements RunExecutor {
  async execute(): Promise<ExecutionResult> {
    return { kind: 'failed', errorClass: 'permanent', reasonCode: 'RUN.NOT_SUPPORTED', message: 'policy sync is not available from the connections service yet' };
  }
}
