import { z } from 'zod';
import { dataSchemaUri } from './events/catalog';
import { eventContextAttributes } from './context-attributes';
import { firstIssue, type EventEnvelope, type ParsedMessage } from './envelope';

/**
 * CloudEvents 1.0, structured content mode of the Kafka protocol binding: the whole event is the
 * JSON value, announced by the `content-type` header; the Kafka key stays the partition key.
 */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';
export const DATA_CONTENT_TYPE = 'application/json';

/**
 * The event on the wire. Extension attributes are lower-case alphanumerics with scalar values:
 * the workspace and tenant scope, the actor as kind + id (+ display name), and `traceparent` from
 * the distributed-tracing extension. A tenant-less event leaves `tenantid` out (no nulls in
 * CloudEvents attributes).
 */
export const cloudEventSchema = z.object({
  ...eventContextAttributes,
  datacontenttype: z.literal(DATA_CONTENT_TYPE),
  dataschema: z.string().min(1).optional(),
  workspaceid: z.string().min(1),
  tenantid: z.string().min(1).optional(),
  actorkind: z.enum(['user', 'system']),
  actorid: z.string().min(1),
  actorname: z.string().optional(),
  traceparent: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type CloudEventJson = z.infer<typeof cloudEventSchema>;

export function toCloudEvent(event: EventEnvelope): CloudEventJson {
  const actor = event.actor;
  return {
    specversion: '1.0',
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    subject: event.subject,
    datacontenttype: DATA_CONTENT_TYPE,
    dataschema: dataSchemaUri(event.type),
    workspaceid: event.workspaceId,
    ...(event.tenantId ? { tenantid: event.tenantId } : {}),
    actorkind: actor.kind,
    actorid: actor.kind === 'user' ? actor.userId : actor.component,
    ...(actor.kind === 'user' && actor.displayName ? { actorname: actor.displayName } : {}),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    data: event.data,
  };
}

/** The Kafka message of an event: structured mode, with the trace context also as a header. */
export function toKafkaMessage(event: EventEnvelope, key: string): { key: string; value: string; headers: Record<string, string> } {
  return {
    key,
    value: JSON.stringify(toCloudEvent(event)),
    headers: {
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
      ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    },
  };
}

/** The previous envelope carries a camel-case `workspaceId`; anything else is read as a CloudEvent. */
export function isCloudEvent(json: unknown): boolean {
  return typeof json !== 'object' || json === null || !('workspaceId' in json);
}

export function decodeCloudEvent(json: unknown): ParsedMessage {
  const parsed = cloudEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `invalid envelope: ${firstIssue(parsed.error)}` };
  const ce = parsed.data;
  return {
    ok: true,
    event: {
      specversion: '1.0',
      id: ce.id,
      type: ce.type,
      source: ce.source,
      time: ce.time,
      subject: ce.subject,
      workspaceId: ce.workspaceid,
      tenantId: ce.tenantid ?? null,
      actor:
        ce.actorkind === 'user'
          ? { kind: 'user', userId: ce.actorid, ...(ce.actorname ? { displayName: ce.actorname } : {}) }
          : { kind: 'system', component: ce.actorid },
      ...(ce.traceparent ? { traceparent: ce.traceparent } : {}),
      data: ce.data,
    },
  };
}
