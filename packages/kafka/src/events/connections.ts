import { z } from 'zod';
import { eventData, eventsAbout, nullableString } from './data';
import type { EventSpec } from './spec';

/** Summaries of a connection's changed fields; the credential itself never enters an event. */
const fields = z.record(z.string(), z.unknown());

const connection = (description: string, extra: z.ZodRawShape = {}) =>
  eventData(
    { connectionId: z.string().min(1), provider: z.string().min(1), before: fields.optional(), after: fields.optional(), ...extra },
    description,
  );

/** Connections' lifecycle events: type is `tenantatlas.connections.connection.<verb>`. */
export const CONNECTIONS_EVENTS = eventsAbout('connection/<connectionId>', connection, {
  'tenantatlas.connections.connection.created': 'A provider connection was created.',
  'tenantatlas.connections.connection.updated': [
    'Fields of the connection changed.',
    { changedFields: z.array(z.string()), verificationStale: z.boolean() },
  ],
  'tenantatlas.connections.connection.credential_rotated': 'The client secret was replaced.',
  'tenantatlas.connections.connection.default_changed': 'The connection became, or stopped being, the default.',
  'tenantatlas.connections.connection.enabled': 'The connection was enabled.',
  'tenantatlas.connections.connection.disabled': 'The connection was disabled.',
  'tenantatlas.connections.connection.consent_changed': 'The admin consent status changed.',
  'tenantatlas.connections.connection.verified': ['A check against the provider finished.', { outcome: z.string(), reasonCode: nullableString }],
  'tenantatlas.connections.connection.permissions_refreshed': 'The granted permissions were read again.',
}) satisfies readonly EventSpec[];
