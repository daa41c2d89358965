import { conflict } from '@tenantatlas/shared';
import type { Connection } from '../domain/connection';
import { assertEnabled, type ActorCommand } from './change-connection';
import { connectionEvent } from './events';
import { loadConnection } from './load';
import { DefaultTakenError, type ConnectionsContext } from './ports';

const ATTEMPTS = 8;

/**
 * Moves the tenant's default to this connection. The database holds the rule (a unique index on
 * the default slot), so the move is: claim the slot; if it is taken, release it from its holder
 * (compare-and-set) and claim again. Concurrent moves end with exactly one default, never two.
 */
export async function setDefault(ctx: ConnectionsContext, cmd: ActorCommand): Promise<Connection> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await loadConnection(ctx.repository, cmd);
    if (current.isDefault) return current;
    assertEnabled(current);
    let previous: Connection | null = null;
    try {
      const after = await ctx.repository.update(current, { isDefault: true, updatedAt: ctx.now() }, (c) => [
        connectionEvent('default_changed', c, cmd.actor, { outcome: 'default', before: { isDefault: false }, after: { isDefault: true } }),
      ]);
      if (after) return after;
      continue;
    } catch (err) {
      if (!(err instanceof DefaultTakenError)) throw err;
      previous = await ctx.repository.findDefault(current.workspaceId, current.tenantId);
    }
    if (previous) {
      await ctx.repository.update(previous, { isDefault: false, updatedAt: ctx.now() }, (c) => [
        connectionEvent('default_changed', c, cmd.actor, {
          outcome: 'not_default',
          replacedBy: current.id,
          before: { isDefault: true },
          after: { isDefault: false },
        }),
      ]);
    }
  }
  throw conflict('CONNECTION.CONFLICT', 'the default connection is being changed concurrently; try again');
}
