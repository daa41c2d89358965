import {
  decodePageToken,
  encodePageToken,
  parsePageSize,
  parseQuery,
  type RawFilter,
} from '../domain/audit-query';
import type { AuditRecord } from '../domain/audit-record';
import type { AuditLogStore } from './ports';

export interface ListAuditEventsCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  pageSize?: number;
  pageToken?: string;
}

/** Newest first; the token is the last seq returned, so arriving records never shift pages. */
export class ListAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: ListAuditEventsCommand): Promise<{ records: AuditRecord[]; nextPageToken: string }> {
    const query = parseQuery(command.workspaceId, command.filter);
    const limit = parsePageSize(command.pageSize);
    const before = decodePageToken(command.pageToken);
    const { records, more } = await this.deps.store.page(query, { limit, before });
    const last = records.at(-1);
    return { records, nextPageToken: more && last ? encodePageToken(last.seq) : '' };
  }
}
