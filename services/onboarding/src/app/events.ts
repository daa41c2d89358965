import { type Actor } from '@tenantatlas/core';
import { createEvent, eventSource, type EventEnvelope } from '@tenantatlas/kafka';
import type { EventFact } from '../domain/events';

export const SOURCE = eventSource('onboarding');

/** The domain's event facts as the envelopes the outbox publishes, all with the writer's actor and time. */
export function envelopes(facts: EventFact[], workspaceId: string, actor: Actor, time: Date): EventEnvelope[] {
  return facts.map((fact) =>
    createEvent({
      type: `tenantatlas.onboarding.${fact.type}` as const,
      source: SOURCE,
      subject: fact.subject,
      workspaceId,
      tenantId: fact.tenantId,
      actor,
      data: fact.data,
      time,
    }),
  );
}
