import { createEvent, type DeliveredEvent, type EventType } from '@tenantatlas/kafka';
import type { AuditEntry } from '../domain/audit-record';

/** An audit entry of a run start, for tests that need entries without events. */
export function auditEntry(id: string, workspaceId = 'ws-1'): AuditEntry {
  return {
    eventId: id,
    workspaceId,
    tenantId: null,
    type: 'tenantatlas.operations.run.started',
    action: 'run.started',
    sourceService: 'operations',
    actor: { kind: 'system', id: 'operations-worker', displayName: null },
    subjectType: 'run',
    subjectId: id,
    outcome: null,
    reasonCode: null,
    before: {},
    after: {},
    details: {},
    traceId: null,
    occurredAt: new Date('2026-03-01T10:00:00Z'),
    recordedAt: new Date('2026-03-01T10:00:01Z'),
  };
}

/** A delivered run start with this event id, as the lifecycle consumer hands it over. */
export function deliveredRunStart(id: string, workspaceId = 'ws-1', type = 'tenantatlas.operations.run.started'): DeliveredEvent {
  const event = createEvent({
    type: type as EventType,
    subject: `run/${id}`,
    workspaceId,
    actor: { kind: 'system', component: 'operations-worker' },
    data: {},
    time: new Date('2026-03-01T10:00:00Z'),
  });
  return { event: { ...event, id }, meta: { topic: 'operations.run.lifecycle', partition: 0, offset: '0' } };
}
