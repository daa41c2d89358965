import {
  decodePageToken,
  encodePageToken,
  isWholeChain,
  lineMayMatch,
  matchesQuery,
  parsePageSize,
  parseQuery,
  PLACES_EXAMINED_PER_PAGE,
  RECORDS_EXAMINED_PER_PAGE,
  SLICES_EXAMINED_PER_PAGE,
  type RawFilter,
} from '../domain/audit-query';
import type { AuditRecord } from '../domain/audit-record';
import { placesOfSegment, segmentOf, sliceRecords, SEGMENT_PLACES } from '../domain/chain-segment';
import { chainEnd } from './chain-end';
import { readingAhead, readStretch, tenantSlicesAhead } from './chain-reader';
import type { AuditLogStore } from './ports';

export interface ListAuditEventsCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  pageSize?: number;
  pageToken?: string;
}

/** Places a filtered page reads by place at once. */
const WINDOW = 100;

/**
 * Newest first; the token is the place the page stopped at, so arriving records never shift pages.
 * A page is a walk down the workspace's chain from its end, keeping the records the filter
 * matches: a page of the whole chain reads exactly its places, and a filtered one takes a sealed
 * segment in one read and the open segment's places one by one, looking at no more than
 * PLACES_EXAMINED_PER_PAGE places (RECORDS_EXAMINED_PER_PAGE of them by place; a last sealed
 * segment may take it past that) before it answers
 * with what matched and a token to go on. A page of one tenant takes the tenant's slice of each
 * sealed segment instead (SLICES_EXAMINED_PER_PAGE of them at most), which its places do not count
 * against. Its cost is the page, however long the chain.
 */
export class ListAuditEventsUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: ListAuditEventsCommand): Promise<{ records: AuditRecord[]; nextPageToken: string }> {
    const query = parseQuery(command.workspaceId, command.filter);
    const limit = parsePageSize(command.pageSize);
    const before = decodePageToken(command.pageToken);
    const { store } = this.deps;
    const end = before === null ? (await chainEnd(store, query.workspaceId)).seq : 0;
    let top = before === null ? end : before - 1;
    const records: AuditRecord[] = [];
    if (isWholeChain(query)) {
      // exactly the page's places, a segment's share at a time (a sealed one in one read when the
      // share is large); a gap in the chain (a record deleted behind the service's back) is
      // skipped, within a bound
      for (let examined = 0; top >= 1 && records.length < limit && examined < RECORDS_EXAMINED_PER_PAGE; ) {
        const low = Math.max(placesOfSegment(segmentOf(top)).first, top - (limit - records.length) + 1);
        const stretch = await readStretch(store, query.workspaceId, { low, high: top, order: 'newest' });
        records.push(...stretch.records);
        examined += top - low + 1;
        top = low - 1;
      }
      return this.answer(records, top + 1);
    }
    const mayMatch = lineMayMatch(query);
    const { reading, readAhead } = readingAhead(store, query.workspaceId);
    const sliceAt = query.tenantId === undefined ? undefined : tenantSlicesAhead(store, query.workspaceId, query.tenantId);
    // the segment the chain ends in is not sealed while it has places left
    let unsealed = end % SEGMENT_PLACES === 0 ? 0 : segmentOf(end);
    for (let examined = 0, byPlace = 0, slices = 0; top >= 1 && examined < PLACES_EXAMINED_PER_PAGE && byPlace < RECORDS_EXAMINED_PER_PAGE && slices < SLICES_EXAMINED_PER_PAGE; ) {
      const segment = segmentOf(top);
      const slice = sliceAt && segment !== unsealed ? await sliceAt(segment) : null;
      if (slice !== null) {
        const low = placesOfSegment(segment).first;
        for (const record of slice === 'none' ? [] : sliceRecords(slice, low, top, 'newest', mayMatch)) {
          if (!matchesQuery(record, query)) continue;
          records.push(record);
          if (records.length === limit) return this.answer(records, record.seq);
        }
        slices += 1;
        top = low - 1;
        continue;
      }
      // the next (older) segment is read while this one is gone through, if the page may reach it
      // (a tenant's walk reads the next one's slice instead)
      if (!sliceAt && examined + SEGMENT_PLACES < PLACES_EXAMINED_PER_PAGE) readAhead(segment - 1);
      const stretch = await readStretch(reading, query.workspaceId, {
        low: placesOfSegment(segment).first,
        high: top,
        order: 'newest',
        occurredFrom: query.occurredFrom,
        occurredTo: query.occurredTo,
        byPlaceAtMost: Math.min(WINDOW, RECORDS_EXAMINED_PER_PAGE - byPlace),
        knownUnsealed: segment === unsealed,
        mayMatch,
      });
      if (!stretch.sealed) unsealed = segment;
      for (const record of stretch.records) {
        if (!matchesQuery(record, query)) continue;
        records.push(record);
        if (records.length === limit) return this.answer(records, record.seq);
      }
      const looked = stretch.high - stretch.low + 1;
      examined += looked;
      if (!stretch.sealed) byPlace += looked;
      top = stretch.low - 1;
    }
    return this.answer(records, top + 1);
  }

  /** `stoppedAt`: the lowest place the page looked at; the next page starts below it. */
  private answer(records: AuditRecord[], stoppedAt: number): { records: AuditRecord[]; nextPageToken: string } {
    return { records, nextPageToken: stoppedAt > 1 ? encodePageToken(stoppedAt) : '' };
  }
}
