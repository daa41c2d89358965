import { assertEnabled, type Connection } from '../domain/connection';
import { connectionError } from '../domain/errors';
import { tenantDefault } from './default-connection';
import { connectionEvent } from './events';
import { loadConnection, type ActorCommand } from './load';
import type { ConnectionsContext } from './ports';

const ATTEMPTS = 8;

/**
 * Moves the tenant's default to this connection: the next version of the tenant's default names
 * it, and carries the `default_changed` events of both connections. Of concurrent moves exactly
 * one takes each version; the others decide again on the new default (or give up with
 * CONNECTION.CONFLICT), so a tenant never has two defaults.
 */
export class SetDefaultConnectionUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: ActorCommand): Promise<Connection> {
    // Only the default moves under a concurrent move; the connection itself is read once.
    const current = await loadConnection(this.ctx.repository, cmd);
    if (current.isDefault) return current;
    assertEnabled(current);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const previous = await tenantDefault(this.ctx, current.workspaceId, current.tenantId);
      if (previous.connection?.id === current.id) return previous.connection;
      const after = { ...current, isDefault: true };
      const events = [connectionEvent('default_changed', after, cmd.actor, { outcome: 'default', before: { isDefault: false }, after: { isDefault: true } })];
      if (previous.connection) {
        events.push(
          connectionEvent('default_changed', { ...previous.connection, isDefault: false }, cmd.actor, {
            outcome: 'not_default',
            replacedBy: current.id,
            before: { isDefault: true },
            after: { isDefault: false },
          }),
        );
      }
      if (await this.ctx.repository.claimDefault(current.workspaceId, current.tenantId, previous.version + 1, current.id, this.ctx.now(), events)) return after;
    }
    throw connectionError('CONNECTION.CONFLICT', 'the default connection is being changed concurrently; try again');
  }
}
