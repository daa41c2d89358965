import { DomainError } from '@tenantatlas/core';
import type { Connection } from '../domain/connection';
import { permissionVerdict } from '../domain/permissions';
import { ProviderFailure } from '../domain/provider';
import { FAILURE_CLASSES, type CheckStatus } from '../domain/verification';
import type { CheckCommand } from './check-connection.use-case';
import { connectionEvent } from './events';
import { loadConnection, mutate } from './load';
import type { ConnectionsContext } from './ports';
import { adapterFor, providerTarget } from './provider-target';

export interface RefreshResult {
  status: CheckStatus;
  reasonCode: string;
  retryable: boolean;
  retryAfterMs: number;
  connection: Connection;
}

/** Reads the granted permissions and stores them (the permission posture's source). */
export class RefreshPermissionsUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: CheckCommand): Promise<RefreshResult> {
    const connection = await loadConnection(this.ctx.repository, cmd);
    const adapter = adapterFor(this.ctx, connection);
    let granted;
    try {
      granted = await adapter.readGrants(providerTarget(this.ctx, connection));
    } catch (err) {
      if (err instanceof ProviderFailure) {
        const cls = FAILURE_CLASSES[err.kind];
        return { status: cls.status, reasonCode: cls.reasonCode, retryable: cls.retryable, retryAfterMs: cls.retryable ? err.retryAfterMs : 0, connection };
      }
      if (err instanceof DomainError && err.kind === 'failed_precondition') {
        return { status: err.code === 'CONNECTION.CREDENTIAL_UNREADABLE' ? 'error' : 'blocked', reasonCode: err.code, retryable: false, retryAfterMs: 0, connection };
      }
      throw err;
    }
    const verdict = permissionVerdict(connection.connectionType, this.ctx.required, granted);
    const refreshedAt = this.ctx.now();
    const after = await mutate(this.ctx.repository, cmd, () => ({
      changes: { granted: { ...granted, refreshedAt }, updatedAt: refreshedAt },
      events: (c) => [
        connectionEvent('permissions_refreshed', c, cmd.actor, {
          outcome: verdict.result,
          missingRequired: verdict.missingRequired,
          missingRecommended: verdict.missingRecommended,
        }),
      ],
    }));
    const status: CheckStatus = verdict.result === 'fail' ? 'blocked' : verdict.result === 'warn' ? 'degraded' : 'healthy';
    return { status, reasonCode: verdict.result === 'pass' ? '' : 'PROVIDER.PERMISSION_MISSING', retryable: false, retryAfterMs: 0, connection: after };
  }
}
