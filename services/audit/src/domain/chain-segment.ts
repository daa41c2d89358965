import type { AuditRecord } from './audit-record';

/**
 * A workspace's chain is cut into segments of SEGMENT_PLACES places: segment 1 holds places
 * 1..1000, segment 2 places 1001..2000, and so on. Once every place of a segment is taken, the
 * segment can be sealed: its records, in chain order, stored together as one document. Nothing is
 * ever appended to a full segment (places are taken once, in order), so a sealed segment never
 * changes and whoever seals it writes the same text: sealing is idempotent and needs no owner.
 *
 * Readers take a sealed segment in one read where its places would cost a read each, and the
 * sealed segments are the archive that retention leaves behind when it removes the records one by
 * one (docs/audit.md, "Sealed segments").
 */
export const SEGMENT_PLACES = 1_000;

/**
 * A segment whose text would pass this size is not sealed (its records stay readable by place):
 * a record can carry up to 150 KB of summaries, and one document may not pass 16 MB.
 */
export const MAX_SEGMENT_TEXT = 8 * 1024 * 1024;

export interface SealedSegment {
  workspaceId: string;
  /** 1-based number of the segment on its workspace's chain */
  segment: number;
  /** the hash of its last record: the next segment's first record links to it */
  lastHash: string;
  /** the earliest and latest occurredAt of its records, to skip it for a time range */
  occurredFrom: Date;
  occurredTo: Date;
  /** the latest recordedAt of its records: retention's age of the segment */
  recordedTo: Date;
  /** its records in chain order, one JSON object a line */
  text: string;
}

/** The segment a place belongs to. */
export function segmentOf(seq: number): number {
  return Math.ceil(seq / SEGMENT_PLACES);
}

/** The first and last place of a segment. */
export function placesOfSegment(segment: number): { first: number; last: number } {
  return { first: (segment - 1) * SEGMENT_PLACES + 1, last: segment * SEGMENT_PLACES };
}

/**
 * Seals the records of one full segment (all its places, in order), or answers null when their text
 * would be too large to store as one document.
 */
export function sealSegment(records: readonly AuditRecord[]): SealedSegment | null {
  const first = records[0];
  if (!first) throw new Error('a segment to seal needs its records');
  const segment = segmentOf(first.seq);
  const { first: firstPlace } = placesOfSegment(segment);
  if (records.length !== SEGMENT_PLACES || records.some((r, i) => r.seq !== firstPlace + i || r.workspaceId !== first.workspaceId)) {
    throw new Error(`segment ${segment} of workspace ${first.workspaceId} is sealed from all its ${SEGMENT_PLACES} places in order`);
  }
  const text = records.map((record) => JSON.stringify(record)).join('\n');
  if (text.length > MAX_SEGMENT_TEXT) return null;
  const occurred = records.map((r) => new Date(r.occurredAt).getTime());
  return {
    workspaceId: first.workspaceId,
    segment,
    lastHash: records.at(-1)!.hash,
    occurredFrom: new Date(Math.min(...occurred)),
    occurredTo: new Date(Math.max(...occurred)),
    recordedTo: new Date(Math.max(...records.map((r) => new Date(r.recordedAt).getTime()))),
    text,
  };
}

function parseLine(line: string): AuditRecord {
  const record = JSON.parse(line) as AuditRecord;
  return { ...record, occurredAt: new Date(record.occurredAt), recordedAt: new Date(record.recordedAt) };
}

/** The records of a sealed segment, in chain order. */
export function openSegment(sealed: Pick<SealedSegment, 'text'>): AuditRecord[] {
  return sealed.text.split('\n').map(parseLine);
}

/**
 * The records at places `low..high` of a sealed segment, in `order`, each parsed when it is
 * reached: a walk through a large export holds one record of the segment at a time, not 1,000.
 */
export function* segmentRecords(
  sealed: Pick<SealedSegment, 'text' | 'segment'>,
  low: number,
  high: number,
  order: 'newest' | 'oldest',
  /** a line this refuses is skipped unparsed (a reader that wants only some records) */
  mayMatch: (line: string) => boolean = () => true,
): Generator<AuditRecord> {
  const lines = sealed.text.split('\n');
  const first = placesOfSegment(sealed.segment).first;
  const [from, to] = [Math.max(low, first) - first, Math.min(high, first + lines.length - 1) - first];
  const step = order === 'oldest' ? 1 : -1;
  for (let i = order === 'oldest' ? from : to; i >= from && i <= to; i += step) {
    if (mayMatch(lines[i]!)) yield parseLine(lines[i]!);
  }
}

/** Whether a segment may hold records in a time range (by the occurredAt bounds sealed with it). */
export function mayHoldOccurred(sealed: Pick<SealedSegment, 'occurredFrom' | 'occurredTo'>, from: Date | undefined, to: Date | undefined): boolean {
  return (from === undefined || sealed.occurredTo >= from) && (to === undefined || sealed.occurredFrom < to);
}

/**
 * One tenant's records of a sealed segment, kept apart with the segment: a page of one tenant's
 * records reads its tenant's share of each segment (a tenant of a hundred holds about ten of a
 * segment's thousand records) instead of the whole segment. A slice is written before its
 * segment's mark and the mark before the segment itself, so a segment that has its mark has every
 * slice it will ever have; like the segment, a slice never changes and whoever writes it writes
 * the same text.
 */
export interface TenantSlice {
  workspaceId: string;
  segment: number;
  tenantId: string;
  /** the tenant's records of the segment, in chain order, one JSON object a line */
  text: string;
}

/** The slices of a sealed segment, one a tenant that has records in it (records of no tenant are in none). */
export function sliceByTenant(sealed: Pick<SealedSegment, 'workspaceId' | 'segment' | 'text'>): TenantSlice[] {
  const lines = new Map<string, string[]>();
  for (const line of sealed.text.split('\n')) {
    const { tenantId } = JSON.parse(line) as { tenantId?: string | null };
    if (!tenantId) continue;
    const own = lines.get(tenantId);
    if (own) own.push(line);
    else lines.set(tenantId, [line]);
  }
  return [...lines].map(([tenantId, own]) => ({ workspaceId: sealed.workspaceId, segment: sealed.segment, tenantId, text: own.join('\n') }));
}

/**
 * The records of a slice at places `low..high`, in `order`, skipping unparsed the lines `mayMatch`
 * refuses (as segmentRecords does).
 */
export function* sliceRecords(
  slice: Pick<TenantSlice, 'text'>,
  low: number,
  high: number,
  order: 'newest' | 'oldest',
  mayMatch: (line: string) => boolean = () => true,
): Generator<AuditRecord> {
  const lines = slice.text.split('\n');
  if (order === 'newest') lines.reverse();
  for (const line of lines) {
    if (!mayMatch(line)) continue;
    const record = parseLine(line);
    if (record.seq >= low && record.seq <= high) yield record;
  }
}
