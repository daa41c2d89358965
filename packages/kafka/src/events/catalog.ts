import { z } from 'zod';
import { TOPICS } from '../topics';
import { CONNECTIONS_EVENTS } from './connections';
import { GATEWAY_EVENTS } from './gateway';
import { OPERATIONS_EVENTS, RUN_REQUEST_EVENTS } from './operations';
import { ONBOARDING_EVENTS } from './onboarding';
import type { EventFamily, EventSpec } from './spec';

/**
 * Every event type the system publishes, with its topic and data schema: the one source of the
 * event contract. `createEvent` accepts only these types, the JSON Schemas in `contracts/events`
 * and the AsyncAPI document are generated from it, and a unit test fails when they drift.
 */
export const EVENT_FAMILIES = [
  { topic: 'onboardingEvents', service: 'onboarding', events: ONBOARDING_EVENTS },
  { topic: 'connectionsEvents', service: 'connections', events: CONNECTIONS_EVENTS },
  { topic: 'operationsEvents', service: 'operations', events: OPERATIONS_EVENTS },
  { topic: 'runRequests', service: 'operations', events: RUN_REQUEST_EVENTS },
  { topic: 'securityEvents', service: 'gateway', events: GATEWAY_EVENTS },
] as const satisfies readonly EventFamily[];

export type EventType = (typeof EVENT_FAMILIES)[number]['events'][number]['type'];

export interface CatalogEntry extends EventSpec {
  type: EventType;
  topic: keyof typeof TOPICS;
  service: string;
}

export const EVENT_CATALOG: readonly CatalogEntry[] = EVENT_FAMILIES.flatMap((family) =>
  family.events.map((spec) => ({ ...spec, topic: family.topic, service: family.service })),
);

const byType = new Map<string, CatalogEntry>(EVENT_CATALOG.map((entry) => [entry.type, entry]));

export function catalogEntry(type: string): CatalogEntry | undefined {
  return byType.get(type);
}

/** The CloudEvents `source` of a service's events: a URI reference naming the producer. */
export function eventSource(service: string): string {
  return `/tenantatlas/${service}`;
}

/** The CloudEvents `dataschema` of a type: the `$id` of its JSON Schema in `contracts/events`. */
export function dataSchemaUri(type: string): string {
  return `urn:tenantatlas:event-data:${type}:v1`;
}

/** The JSON Schema (draft-07) of one type's `data`. */
export function dataJsonSchema(entry: CatalogEntry): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(entry.data, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  return { $schema, $id: dataSchemaUri(entry.type), title: `${entry.type} data`, ...schema };
}
