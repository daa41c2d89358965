import { type Actor } from '@tenantatlas/core';
import { createEvent, type EventEnvelope } from '@tenantatlas/kafka';
import type { Connection } from '../domain/connection';

/** Lifecycle event verbs: type is `tenantatlas.connections.connection.<verb>`. */
export type ConnectionVerb =
  | 'created'
  | 'updated'
  | 'credential_rotated'
  | 'default_changed'
  | 'enabled'
  | 'disabled'
  | 'consent_changed'
  | 'verified'
  | 'permissions_refreshed';

export const eventType = (verb: ConnectionVerb) => `tenantatlas.connections.connection.${verb}` as const;

/** Event data is flat summaries and codes only; the credential never enters an event. */
export function connectionEvent(verb: ConnectionVerb, connection: Connection, actor: Actor, data: Record<string, unknown>): EventEnvelope {
  return createEvent({
    type: eventType(verb),
    subject: `connection/${connection.id}`,
    workspaceId: connection.workspaceId,
    tenantId: connection.tenantId,
    actor,
    data: { connectionId: connection.id, provider: connection.provider, ...data },
  });
}
