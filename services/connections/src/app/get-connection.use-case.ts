import type { Connection } from '../domain/connection';
import { loadConnection, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';

/** One connection of the workspace (and tenant, when named). */
export class GetConnectionUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(ref: ConnectionRef): Promise<Connection> {
    return loadConnection(this.ctx.repository, ref);
  }
}
