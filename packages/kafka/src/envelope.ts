import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { z } from 'zod';
import { actorSchema, type Actor } from '@tenantatlas/core';
import { catalogEntry, eventSource, type EventType } from './events/catalog';
import { decodeCloudEvent, isCloudEvent } from './cloud-event';
import { eventContextAttributes } from './context-attributes';

/**
 * An event as the services handle it. On Kafka it travels as a CloudEvent (`cloud-event.ts`
 * encodes and decodes it); this shape is also the previous wire format, which consumers still
 * accept until the topics have drained.
 */
export const envelopeSchema = z.object({
  ...eventContextAttributes,
  workspaceId: z.string().min(1),
  tenantId: z.string().nullable().default(null),
  actor: actorSchema,
  /** W3C trace context of the change that produced the event; also sent as a Kafka header */
  traceparent: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type EventEnvelope<T extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof envelopeSchema>,
  'data'
> & { data: T };

export interface NewEvent<T extends Record<string, unknown>> {
  /** only types of the event catalog: a new type needs its data schema first */
  type: EventType;
  /** defaults to the catalog's producer, `/tenantatlas/<service>` */
  source?: string;
  subject: string;
  workspaceId: string;
  tenantId?: string | null;
  actor: Actor;
  data: T;
  time?: Date;
}

/** Builds an event and captures the active trace so the event continues it, even via the outbox. */
export function createEvent<T extends Record<string, unknown>>(event: NewEvent<T>): EventEnvelope<T> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: event.type,
    source: event.source ?? eventSource(catalogEntry(event.type)?.service ?? 'unknown'),
    time: (event.time ?? new Date()).toISOString(),
    subject: event.subject,
    workspaceId: event.workspaceId,
    tenantId: event.tenantId ?? null,
    actor: event.actor,
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    data: event.data,
  };
}

export type ParsedMessage =
  | { ok: true; event: EventEnvelope }
  | { ok: false; reason: string };

/**
 * Validates what arrives at the edge; callers never act on a message that fails here. Reads a
 * CloudEvent (structured mode) and, during a rolling upgrade, the previous envelope: a message
 * with a camel-case `workspaceId` was written by a producer of the previous release.
 */
export function parseEnvelope(value: Buffer | string | null): ParsedMessage {
  if (value === null) return { ok: false, reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (isCloudEvent(json)) return decodeCloudEvent(json);
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `invalid envelope: ${firstIssue(parsed.error)}` };
  return { ok: true, event: parsed.data };
}

export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim();
}

/** The partition key: one tenant's events stay in order; events before a tenant exists use the workspace. */
export function eventKey(event: Pick<EventEnvelope, 'tenantId' | 'workspaceId'>): string {
  return event.tenantId ?? event.workspaceId;
}
