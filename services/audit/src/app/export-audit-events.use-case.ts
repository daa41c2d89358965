import { matchesQuery, parseQuery, type RawFilter } from '../domain/audit-query';
import { csvHeader, formatRecord, type ExportFormat } from '../domain/export-format';
import { chainEnd } from './chain-end';
import { walkChain } from './chain-reader';
import type { AuditLogStore } from './ports';

export interface ExportAuditEventsCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  format: ExportFormat;
  oldestFirst: boolean;
}

/**
 * Text per chunk sent to the client: well below a gRPC message's 4 MB, whatever the records hold,
 * and below the size (128 KB) past which V8 keeps a string among the large objects that only a
 * full collection frees: a chunk is garbage as soon as it is sent.
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams every matching record as text, a segment of the chain at a time (one read for a sealed
 * segment, the next one read while this one is written out), so memory stays flat however large
 * the log is. The set is fixed at the start (the places up to the chain's end then), so records
 * arriving during a long export neither appear half-way nor push others around. A sealed segment
 * whose records all lie outside the asked time range is skipped unopened.
 */
export class ExportAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  /** Validates first (so a bad request fails before any byte is sent), then yields text chunks. */
  execute(command: ExportAuditEventsCommand): () => AsyncGenerator<string> {
    const query = parseQuery(command.workspaceId, command.filter);
    const store = this.deps.store;
    return async function* chunks() {
      const end = (await chainEnd(store, query.workspaceId)).seq;
      if (command.format === 'csv') yield csvHeader();
      const walk = { from: 1, to: end, order: command.oldestFirst ? 'oldest' : 'newest', occurredFrom: query.occurredFrom, occurredTo: query.occurredTo } as const;
      let chunk = '';
      for await (const { records } of walkChain(store, query.workspaceId, walk)) {
        for (const record of records) {
          if (!matchesQuery(record, query)) continue;
          chunk += formatRecord(record, command.format);
          if (chunk.length >= CHUNK_CHARS) {
            yield chunk;
            chunk = '';
          }
        }
      }
      if (chunk.length > 0) yield chunk;
    };
  }
}
