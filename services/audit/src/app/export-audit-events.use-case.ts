import { parseQuery, type RawFilter } from '../domain/audit-query';
import { csvHeader, formatRecord, type ExportFormat } from '../domain/export-format';
import type { AuditLogStore } from './ports';

export interface ExportCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  format: ExportFormat;
  oldestFirst: boolean;
}

const BATCH = 1_000;

/**
 * Streams every matching record as text, batch by batch, so memory stays flat however large the
 * log is. The set is fixed at the start (seq ≤ the head then), so records arriving during a long
 * export neither appear half-way nor push others around.
 */
export class ExportAuditEvents {
  constructor(private readonly store: AuditLogStore) {}

  /** Validates first (so a bad request fails before any byte is sent), then yields text chunks. */
  prepare(command: ExportCommand): () => AsyncGenerator<string> {
    const query = parseQuery(command.workspaceId, command.filter);
    const order = command.oldestFirst ? 'oldest' : 'newest';
    const store = this.store;
    return async function* chunks() {
      const upTo = (await store.lastRecord(query.workspaceId))?.seq ?? 0;
      if (command.format === 'csv') yield csvHeader();
      let cursor: number | null = null;
      for (;;) {
        const batch = await store.page(query, { limit: BATCH, after: cursor, upTo, order });
        if (batch.length === 0) return;
        yield batch.map((record) => formatRecord(record, command.format)).join('');
        cursor = batch.at(-1)!.seq;
        if (batch.length < BATCH) return;
      }
    };
  }
}
