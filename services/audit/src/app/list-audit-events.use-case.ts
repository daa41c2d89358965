import {
  decodePageToken,
  encodePageToken,
  isWholeChain,
  parsePageSize,
  parseQuery,
  placesFrom,
  type RawFilter,
} from '../domain/audit-query';
import type { AuditRecord } from '../domain/audit-record';
import { chainEnd } from './chain-end';
import type { AuditLogStore } from './ports';

export interface ListAuditEventsCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  pageSize?: number;
  pageToken?: string;
}

/**
 * Newest first; the token is the last seq returned, so arriving records never shift pages. A page
 * of the whole chain is a range of its places, read by the records' identities: its cost is the
 * page, however long the chain. A filtered page is the store's query.
 */
export class ListAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: ListAuditEventsCommand): Promise<{ records: AuditRecord[]; nextPageToken: string }> {
    const query = parseQuery(command.workspaceId, command.filter);
    const limit = parsePageSize(command.pageSize);
    const before = decodePageToken(command.pageToken);
    const { records, more } = isWholeChain(query) ? await this.chainPage(query.workspaceId, limit, before) : await this.deps.store.page(query, { limit, before });
    const last = records.at(-1);
    return { records, nextPageToken: more && last ? encodePageToken(last.seq) : '' };
  }

  private async chainPage(workspaceId: string, limit: number, before: number | null): Promise<{ records: AuditRecord[]; more: boolean }> {
    const top = before === null ? (await chainEnd(this.deps.store, workspaceId)).seq : before - 1;
    const places = placesFrom(top, limit);
    const records = await this.deps.store.recordsAt(workspaceId, places);
    return { records, more: (places.at(-1) ?? 1) > 1 };
  }
}
