import { randomUUID } from 'node:crypto';
import { DomainError, type Actor } from '@tenantatlas/shared';
import {
  requireText,
  summary,
  validClientId,
  validConnectionType,
  validDisplayName,
  validProvider,
  validSecret,
  validTargetTenant,
  type Connection,
} from '../domain/connection';
import { connectionTenantRefusal } from '../domain/tenant-standing';
import { connectionEvent } from './events';
import { tenantDefault } from './default-connection';
import type { ConnectionsContext } from './ports';

const ATTEMPTS = 8;

export interface CreateConnectionCommand {
  workspaceId: string;
  actor: Actor;
  tenantId: string;
  provider?: string;
  displayName: string;
  connectionType?: string;
  clientId: string;
  targetTenantId: string;
  clientSecret?: string;
  makeDefault: boolean;
  disabled: boolean;
}

/**
 * The tenant is onboarding's: it is asked (one gRPC call, one `_id` read there) whether the tenant
 * exists in the workspace and may take a connection, after the input is validated and before
 * anything is written. The first connection of a tenant becomes its default: it takes version 1 of
 * the tenant's default before it is stored, so of concurrent first creates exactly one does.
 */
export async function createConnection(ctx: ConnectionsContext, cmd: CreateConnectionCommand): Promise<Connection> {
  const now = ctx.now();
  const id = randomUUID();
  const connection: Connection = {
    id,
    workspaceId: requireText(cmd.workspaceId, 'CONNECTION.WORKSPACE_REQUIRED', 'workspace_id'),
    tenantId: requireText(cmd.tenantId, 'CONNECTION.TENANT_REQUIRED', 'tenant_id'),
    provider: validProvider(cmd.provider),
    displayName: validDisplayName(cmd.displayName),
    connectionType: validConnectionType(cmd.connectionType),
    clientId: validClientId(cmd.clientId),
    targetTenantId: validTargetTenant(cmd.targetTenantId),
    isDefault: !cmd.disabled,
    enabled: !cmd.disabled,
    consentStatus: 'unknown',
    verificationStatus: 'unknown',
    lastVerifiedAt: null,
    lastReasonCode: '',
    verificationStale: false,
    credential: cmd.clientSecret ? ctx.keyring.seal(validSecret(cmd.clientSecret), id) : null,
    credentialRotatedAt: cmd.clientSecret ? now : null,
    granted: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (cmd.makeDefault && cmd.disabled) {
    throw new DomainError('CONNECTION.DEFAULT_DISABLED', 'invalid_argument', 'a disabled connection cannot be the default');
  }
  const refusal = connectionTenantRefusal(await ctx.tenants.standing(connection.workspaceId, connection.tenantId));
  if (refusal) throw refusal;
  const created = (c: Connection) => [connectionEvent('created', c, cmd.actor, { after: summary(c) })];
  if (!connection.isDefault) {
    await ctx.repository.insert(connection, created(connection));
    return connection;
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const previous = await tenantDefault(ctx, connection.workspaceId, connection.tenantId);
    if (previous.taken) {
      if (cmd.makeDefault) throw new DomainError('CONNECTION.DEFAULT_EXISTS', 'already_exists', 'the tenant already has a default connection');
      const plain = { ...connection, isDefault: false };
      await ctx.repository.insert(plain, created(plain));
      return plain;
    }
    if (await ctx.repository.claimDefault(connection.workspaceId, connection.tenantId, previous.version + 1, id, now, [])) {
      await ctx.repository.insert(connection, created(connection));
      return connection;
    }
  }
  throw new DomainError('CONNECTION.CONFLICT', 'conflict', 'the default connection is being changed concurrently; try again');
}
