import { parseQuery, type RawFilter } from '../domain/audit-query';
import { csvHeader, formatRecord, type ExportFormat } from '../domain/export-format';
import { chainEnd } from './chain-end';
import type { AuditLogStore } from './ports';

export interface ExportAuditEventsCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  format: ExportFormat;
  oldestFirst: boolean;
}

/** Records per chunk sent to the client. */
const CHUNK_RECORDS = 200;

/**
 * Streams every matching record as text through one database cursor, a chunk at a time, so
 * memory stays flat however large the log is. The set is fixed at the start (seq ≤ the last record
 * then), so records arriving during a long export neither appear half-way nor push others around.
 * Newest first, the first record read is that bound (nothing read later may lie above it), so no
 * extra query for the last record is needed (a filtered, sorted query is the expensive kind,
 * docs/storage.md). Oldest first, the bound (the chain's end, found by place) is read before the
 * stream starts. The whole chain is streamed this way too, not read by place: one read by `_id`
 * a record exported 751 records/s against 1,361 through the cursor (volume.itest, 100,000 records).
 */
export class ExportAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  /** Validates first (so a bad request fails before any byte is sent), then yields text chunks. */
  execute(command: ExportAuditEventsCommand): () => AsyncGenerator<string> {
    const query = parseQuery(command.workspaceId, command.filter);
    const order = command.oldestFirst ? 'oldest' : 'newest';
    const store = this.deps.store;
    return async function* chunks() {
      let upTo = order === 'oldest' ? (await chainEnd(store, query.workspaceId)).seq : null;
      if (command.format === 'csv') yield csvHeader();
      if (upTo === 0) return;
      let chunk: string[] = [];
      for await (const record of store.stream(query, { upTo, order })) {
        upTo ??= record.seq;
        if (record.seq > upTo) continue;
        chunk.push(formatRecord(record, command.format));
        if (chunk.length >= CHUNK_RECORDS) {
          yield chunk.join('');
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk.join('');
    };
  }
}
