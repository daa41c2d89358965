import type { Connection } from '../domain/connection';
import type { ConnectionsContext } from './ports';

/**
 * A create takes the default before it stores the connection, so for a moment the default names a
 * connection not stored yet; one that never appears (its creator stopped in between) leaves the
 * default vacant after this long.
 */
const VACANT_AFTER_MS = 30_000;

export interface TenantDefault {
  /** the newest version of the tenant's default, 0 when it never had one */
  version: number;
  /** the default connection; null when there is none (or it is still being created) */
  connection: Connection | null;
  /** false only when a create or a move may take the default now */
  taken: boolean;
}

export async function tenantDefault(ctx: ConnectionsContext, workspaceId: string, tenantId: string): Promise<TenantDefault> {
  const holder = await ctx.repository.readDefault(workspaceId, tenantId);
  if (!holder) return { version: 0, connection: null, taken: false };
  const connection = await ctx.repository.find(workspaceId, holder.connectionId, tenantId);
  const creating = !connection && ctx.now().getTime() - holder.at.getTime() < VACANT_AFTER_MS;
  return { version: holder.version, connection: connection && { ...connection, isDefault: true }, taken: !!connection || creating };
}
