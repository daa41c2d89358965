import { z } from 'zod';
import { eventData, nullableString } from './data';
import type { EventSpec } from './spec';

/** Summaries of a connection's changed fields; the credential itself never enters an event. */
const fields = z.record(z.string(), z.unknown());

const connection = (description: string, extra: z.ZodRawShape = {}) =>
  eventData(
    { connectionId: z.string().min(1), provider: z.string().min(1), before: fields.optional(), after: fields.optional(), ...extra },
    description,
  );

const connections = 'connection/<connectionId>';

/** Connections' lifecycle events: type is `tenantatlas.connections.connection.<verb>`. */
export const CONNECTIONS_EVENTS = [
  { type: 'tenantatlas.connections.connection.created', subject: connections, data: connection('A provider connection was created.') },
  {
    type: 'tenantatlas.connections.connection.updated',
    subject: connections,
    data: connection('Fields of the connection changed.', { changedFields: z.array(z.string()), verificationStale: z.boolean() }),
  },
  { type: 'tenantatlas.connections.connection.credential_rotated', subject: connections, data: connection('The client secret was replaced.') },
  { type: 'tenantatlas.connections.connection.default_changed', subject: connections, data: connection('The connection became, or stopped being, the default.') },
  { type: 'tenantatlas.connections.connection.enabled', subject: connections, data: connection('The connection was enabled.') },
  { type: 'tenantatlas.connections.connection.disabled', subject: connections, data: connection('The connection was disabled.') },
  { type: 'tenantatlas.connections.connection.consent_changed', subject: connections, data: connection('The admin consent status changed.') },
  {
    type: 'tenantatlas.connections.connection.verified',
    subject: connections,
    data: connection('A check against the provider finished.', { outcome: z.string(), reasonCode: nullableString }),
  },
  { type: 'tenantatlas.connections.connection.permissions_refreshed', subject: connections, data: connection('The granted permissions were read again.') },
] as const satisfies readonly EventSpec[];
