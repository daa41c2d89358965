import { csvRow } from '@tenantatlas/core';
import type { AuditRecord } from './audit-record';

/** How records are written out by an export: one flat JSON object per line, or CSV rows. */
export type ExportFormat = 'ndjson' | 'csv';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

/** One exported record; field names match the gRPC AuditEvent so both views read the same. */
export function exportView(record: AuditRecord): Record<string, unknown> {
  return {
    seq: record.seq,
    event_id: record.eventId,
    occurred_at: new Date(record.occurredAt).toISOString(),
    recorded_at: new Date(record.recordedAt).toISOString(),
    workspace_id: record.workspaceId,
    tenant_id: record.tenantId ?? '',
    action: record.action,
    type: record.type,
    source_service: record.sourceService,
    actor_kind: record.actor.kind,
    actor_id: record.actor.id,
    actor_display_name: record.actor.displayName ?? '',
    subject_type: record.subjectType,
    subject_id: record.subjectId,
    outcome: record.outcome ?? '',
    reason_code: record.reasonCode ?? '',
    before: record.before ?? {},
    after: record.after ?? {},
    details: record.details ?? {},
    trace_id: record.traceId ?? '',
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

export const CSV_COLUMNS = Object.keys(
  exportView({
    actor: { kind: 'system', id: '', displayName: null },
    occurredAt: new Date(0),
    recordedAt: new Date(0),
  } as AuditRecord),
);

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function formatRecord(record: AuditRecord, format: ExportFormat): string {
  const view = exportView(record);
  if (format === 'ndjson') return `${JSON.stringify(view)}\n`;
  return csvRow(CSV_COLUMNS.map((column) => view[column]));
}
