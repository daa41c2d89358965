import { summary, type Connection } from '../domain/connection';
import { connectionEvent } from './events';
import { mutate, type ActorCommand } from './load';
import type { ConnectionsContext } from './ports';

export interface SetEnabledCommand extends ActorCommand {
  enabled: boolean;
}

/** Enabling or disabling is idempotent: repeating it changes and emits nothing. */
export class SetConnectionEnabledUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: SetEnabledCommand): Promise<Connection> {
    const { enabled } = cmd;
    return mutate(this.ctx.repository, cmd, (current) => {
      if (current.enabled === enabled) return null;
      return {
        changes: { enabled, updatedAt: this.ctx.now() },
        events: (after) => [
          connectionEvent(enabled ? 'enabled' : 'disabled', after, cmd.actor, { before: { enabled: !enabled }, after: summary(after) }),
        ],
      };
    });
  }
}

