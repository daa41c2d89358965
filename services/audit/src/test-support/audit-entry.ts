import type { AuditEntry } from '../domain/audit-entry';

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
