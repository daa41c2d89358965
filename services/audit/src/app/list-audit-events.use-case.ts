import {
  decodePageToken,
  encodePageToken,
  isWholeChain,
  matchesQuery,
  parsePageSize,
  parseQuery,
  placesFrom,
  RECORDS_EXAMINED_PER_PAGE,
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

/** Places read at once by a filtered page (a whole-chain page reads exactly its own places). */
const WINDOW = 100;

/**
 * Newest first; the token is the place the page stopped at, so arriving records never shift pages.
 * A page is a walk down the workspace's chain from its end, reading records by their identities
 * and keeping those the filter matches: a page of the whole chain reads exactly its places, and a
 * filtered one at most RECORDS_EXAMINED_PER_PAGE, answering with what matched and a token to go on.
 * Its cost is the page, however long the chain.
 */
export class ListAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: ListAuditEventsCommand): Promise<{ records: AuditRecord[]; nextPageToken: string }> {
    const query = parseQuery(command.workspaceId, command.filter);
    const limit = parsePageSize(command.pageSize);
    const before = decodePageToken(command.pageToken);
    let top = before === null ? (await chainEnd(this.deps.store, query.workspaceId)).seq : before - 1;
    const wholeChain = isWholeChain(query);
    const records: AuditRecord[] = [];
    for (let examined = 0; top >= 1 && examined < RECORDS_EXAMINED_PER_PAGE; ) {
      const wanted = wholeChain ? limit - records.length : Math.min(WINDOW, RECORDS_EXAMINED_PER_PAGE - examined);
      const places = placesFrom(top, wanted);
      const read = await this.deps.store.recordsAt(query.workspaceId, places);
      for (const record of read) {
        if (!matchesQuery(record, query)) continue;
        records.push(record);
        if (records.length === limit) return this.answer(records, record.seq);
      }
      examined += places.length;
      top = places.at(-1)! - 1;
    }
    return this.answer(records, top + 1);
  }

  /** `stoppedAt`: the lowest place the page looked at; the next page starts below it. */
  private answer(records: AuditRecord[], stoppedAt: number): { records: AuditRecord[]; nextPageToken: string } {
    return { records, nextPageToken: stoppedAt > 1 ? encodePageToken(stoppedAt) : '' };
  }
}
