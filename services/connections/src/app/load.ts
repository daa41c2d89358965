import type { Actor } from '@tenantatlas/core';
import type { EventEnvelope } from '@tenantatlas/kafka';
import { requireText, type Connection } from '../domain/connection';
import { connectionError } from '../domain/errors';
import type { ConnectionRepository } from './ports';

export interface ConnectionRef {
  workspaceId: string;
  connectionId: string;
  /** when given, a connection of another tenant is not found */
  tenantId?: string;
}

/** Another workspace's (or tenant's) connection is indistinguishable from a missing one. */
export async function loadConnection(repository: ConnectionRepository, ref: ConnectionRef): Promise<Connection> {
  const workspaceId = requireText(ref.workspaceId, 'CONNECTION.WORKSPACE_REQUIRED', 'workspace_id');
  const id = requireText(ref.connectionId, 'CONNECTION.ID_REQUIRED', 'connection_id');
  const connection = await repository.find(workspaceId, id, ref.tenantId || undefined);
  if (!connection) {
    throw connectionError('CONNECTION.NOT_FOUND', 'connection not found', { connectionId: id });
  }
  return connection;
}

export interface ActorCommand extends ConnectionRef {
  actor: Actor;
}

export interface Change {
  changes: Partial<Connection>;
  events: (after: Connection) => EventEnvelope[];
}

const ATTEMPTS = 5;

/**
 * Read-decide-write with compare-and-set: `decide` sees the current state and returns the change
 * (or null for "nothing to do"); a concurrent writer makes us re-read and decide again.
 */
export async function mutate(
  repository: ConnectionRepository,
  ref: ConnectionRef,
  decide: (current: Connection) => Change | null,
): Promise<Connection> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await loadConnection(repository, ref);
    const change = decide(current);
    if (!change) return current;
    const after = await repository.update(current, change.changes, change.events);
    if (after) return after;
  }
  throw connectionError('CONNECTION.CONFLICT', 'the connection is being changed concurrently; try again');
}
