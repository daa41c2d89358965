import type { AuditEvent } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditEvent';
import type { AuditRecord } from '../../domain/audit-record';
import type { ExportFormat } from '../../domain/export-format';

export function toProto(record: AuditRecord): AuditEvent {
  return {
    event_id: record.eventId,
    seq: record.seq,
    workspace_id: record.workspaceId,
    tenant_id: record.tenantId ?? '',
    type: record.type,
    action: record.action,
    source_service: record.sourceService,
    actor:
      record.actor.kind === 'user'
        ? { user_id: record.actor.id, display_name: record.actor.displayName ?? '' }
        : { component: record.actor.id },
    actor_kind: record.actor.kind,
    subject_type: record.subjectType,
    subject_id: record.subjectId,
    outcome: record.outcome ?? '',
    reason_code: record.reasonCode ?? '',
    before: record.before,
    after: record.after,
    details: record.details,
    trace_id: record.traceId ?? '',
    occurred_at: new Date(record.occurredAt).toISOString(),
    recorded_at: new Date(record.recordedAt).toISOString(),
    hash: record.hash,
    prev_hash: record.prevHash,
  };
}

export function formatOf(format: string): ExportFormat {
  return format === 'EXPORT_FORMAT_CSV' ? 'csv' : 'ndjson';
}
