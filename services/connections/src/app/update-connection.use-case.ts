import type { Actor } from '@tenantatlas/core';
import { diffEdit, hadVerification, touchesIdentity, validClientId, validConnectionType, validDisplayName, validTargetTenant, type Connection } from '../domain/connection';
import { connectionEvent } from './events';
import { mutate, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';

export interface EditCommand extends ConnectionRef {
  actor: Actor;
  displayName?: string;
  clientId?: string;
  targetTenantId?: string;
  connectionType?: string;
}

const pick = (c: Connection, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (c as unknown as Record<string, unknown>)[k]]));

/** Edits non-secret fields; a new identity invalidates the last verification. */
export class UpdateConnectionUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: EditCommand): Promise<Connection> {
    const edit = {
      displayName: cmd.displayName === undefined ? undefined : validDisplayName(cmd.displayName),
      clientId: cmd.clientId === undefined ? undefined : validClientId(cmd.clientId),
      targetTenantId: cmd.targetTenantId === undefined ? undefined : validTargetTenant(cmd.targetTenantId),
      connectionType: cmd.connectionType === undefined ? undefined : validConnectionType(cmd.connectionType),
    };
    return mutate(this.ctx.repository, cmd, (current) => {
      const changes = diffEdit(current, edit);
      const fields = Object.keys(changes);
      if (fields.length === 0) return null;
      const stale = touchesIdentity(changes) && hadVerification(current);
      if (stale) Object.assign(changes, { verificationStatus: 'unknown', verificationStale: true });
      return {
        changes: { ...changes, updatedAt: this.ctx.now() },
        events: (after) => [
          connectionEvent('updated', after, cmd.actor, {
            changedFields: fields,
            verificationStale: stale,
            before: pick(current, fields),
            after: pick(after, fields),
          }),
        ],
      };
    });
  }
}

