import { randomUUID } from 'node:crypto';
import type { Actor } from '@tenantatlas/core';
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
import { connectionError } from '../domain/errors';
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
export class CreateConnectionUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: CreateConnectionCommand): Promise<Connection> {
    const now = this.ctx.now();
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
      credential: cmd.clientSecret ? this.ctx.keyring.seal(validSecret(cmd.clientSecret), id) : null,
      credentialRotatedAt: cmd.clientSecret ? now : null,
      granted: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (cmd.makeDefault && cmd.disabled) {
      throw connectionError('CONNECTION.DEFAULT_DISABLED', 'a disabled connection cannot be the default');
    }
    const refusal = connectionTenantRefusal(await this.ctx.tenants.standing(connection.workspaceId, connection.tenantId));
    if (refusal) throw refusal;
    const created = (c: Connection) => [connectionEvent('created', c, cmd.actor, { after: summary(c) })];
    if (!connection.isDefault) {
      await this.ctx.repository.insert(connection, created(connection));
      return connection;
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const previous = await tenantDefault(this.ctx, connection.workspaceId, connection.tenantId);
      if (previous.taken) {
        if (cmd.makeDefault) throw connectionError('CONNECTION.DEFAULT_EXISTS', 'the tenant already has a default connection');
        const plain = { ...connection, isDefault: false };
        await this.ctx.repository.insert(plain, created(plain));
        return plain;
      }
      if (await this.ctx.repository.claimDefault(connection.workspaceId, connection.tenantId, previous.version + 1, id, now, [])) {
        await this.ctx.repository.insert(connection, created(connection));
        return connection;
      }
    }
    throw connectionError('CONNECTION.CONFLICT', 'the default connection is being changed concurrently; try again');
  }
}
