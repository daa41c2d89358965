import type { AuditRecord } from '../domain/audit-record';
import { mayHoldOccurred, openSegment, placesOfSegment, sealSegment, segmentOf, segmentRecords, SEGMENT_PLACES, type SealedSegment, type TenantSlice } from '../domain/chain-segment';
import type { AuditLogStore } from './ports';

type ChainStore = Pick<AuditLogStore, 'recordsAt' | 'segmentAt' | 'insertSegment'>;

/** Places read by place at once. */
const WINDOW = 100;

/** Segments a walk reads ahead of the one it hands over (one: 37,000 records/s in process; two: 29,600). */
const READ_AHEAD = 1;

/**
 * A stretch of places narrower than this is read by place first. A sealed segment is one read of
 * 1,000 packed records (about 9 ms with its unpacking on the test machine), a place one read of
 * 0.5–1.5 ms (more as the database grows): past about 20 places the segment is cheaper.
 */
const SMALL_STRETCH = SEGMENT_PLACES / 50;

export type Order = 'newest' | 'oldest';

/** Places `low..high` in `order`. */
function placesBetween(low: number, high: number, order: Order): number[] {
  const places = Array.from({ length: Math.max(0, high - low + 1) }, (_, i) => low + i);
  return order === 'oldest' ? places : places.reverse();
}

/** The records at these places (any order), `WINDOW` reads at a time. */
async function readByPlace(store: ChainStore, workspaceId: string, places: readonly number[]): Promise<AuditRecord[]> {
  const read: AuditRecord[] = [];
  for (let i = 0; i < places.length; i += WINDOW) read.push(...(await store.recordsAt(workspaceId, places.slice(i, i + WINDOW))));
  return read;
}

/** The sealed records of a segment, in chain order, or null while it is not sealed. */
async function sealedRecords(store: ChainStore, workspaceId: string, segment: number): Promise<AuditRecord[] | null> {
  const sealed = await store.segmentAt(workspaceId, segment);
  return sealed ? openSegment(sealed) : null;
}

/**
 * The records at exact places (as asked, e.g. newest first): by place, and from the sealed
 * segment for any place whose record is no longer stored one by one (retention removed it).
 */
export async function recordsAtPlaces(store: ChainStore, workspaceId: string, places: readonly number[]): Promise<AuditRecord[]> {
  const found = new Map((await readByPlace(store, workspaceId, places)).map((r) => [r.seq, r]));
  const missing = new Set(places.filter((seq) => !found.has(seq)).map(segmentOf));
  for (const segment of missing) {
    for (const record of (await sealedRecords(store, workspaceId, segment)) ?? []) found.set(record.seq, record);
  }
  return places.map((seq) => found.get(seq)).filter((r): r is AuditRecord => r !== undefined);
}

export interface Stretch {
  /** the records found at the stretch's places, in the walk's order (to be gone through once) */
  records: Iterable<AuditRecord>;
  /** the places the stretch covered (records missing from them are gaps in the chain) */
  low: number;
  high: number;
  /** whether they came from a sealed segment in one read */
  sealed: boolean;
}

/**
 * Places `low..high` of one segment: from its sealed copy when it has one, else by place (no more
 * than `byPlaceAtMost` of them from the walk's start, the stretch then ending there; a walk that
 * found the segment unsealed says so with `knownUnsealed`, saving the lookup); a
 * segment read whole by place is sealed on the way (what its writer does when the segment fills,
 * unless it crashed first). A sealed segment whose records all lie outside `occurredFrom` ..
 * `occurredTo` is left out without opening it, and its lines `mayMatch` refuses are not parsed
 * (records read by place come whole: the caller still checks what it gets).
 */
export async function readStretch(
  store: ChainStore,
  workspaceId: string,
  stretch: { low: number; high: number; order: Order; occurredFrom?: Date; occurredTo?: Date; byPlaceAtMost?: number; knownUnsealed?: boolean; mayMatch?: (line: string) => boolean },
): Promise<Stretch> {
  const { low, high, order } = stretch;
  const segment = segmentOf(high);
  if (segmentOf(low) !== segment) throw new Error(`places ${low}..${high} are not in one segment`);
  const places = placesBetween(low, high, order);
  if (places.length >= SMALL_STRETCH && !stretch.knownUnsealed) {
    const sealed = await store.segmentAt(workspaceId, segment);
    if (sealed && !mayHoldOccurred(sealed, stretch.occurredFrom, stretch.occurredTo)) return { records: [], low, high, sealed: true };
    if (sealed) return { records: segmentRecords(sealed, low, high, order, stretch.mayMatch), low, high, sealed: true };
  }
  const wanted = stretch.byPlaceAtMost === undefined ? places : places.slice(0, stretch.byPlaceAtMost);
  const records = await recordsAtPlaces(store, workspaceId, wanted);
  const bounds = placesOfSegment(segment);
  if (wanted.length === SEGMENT_PLACES && records.length === SEGMENT_PLACES && low === bounds.first && high === bounds.last) {
    const seal = sealSegment(order === 'oldest' ? records : [...records].reverse());
    if (seal) await store.insertSegment(seal);
  }
  const [a, b] = [wanted[0] ?? low, wanted.at(-1) ?? low];
  return { records, low: Math.min(a, b), high: Math.max(a, b), sealed: false };
}

/**
 * The store as a walk that picks its next segment as it goes sees it, with `readAhead(segment)`
 * to ask for a sealed segment before the walk gets there: the database fetches it while the walk
 * unpacks and goes through the one before (the database itself serves concurrent reads of one
 * database about one after the other). A read asked for and never taken is dropped.
 */
export function readingAhead(store: ChainStore, workspaceId: string): { reading: ChainStore; readAhead: (segment: number) => void } {
  const ahead = new Map<number, Promise<SealedSegment | null>>();
  const reading: ChainStore = {
    recordsAt: (ws, places) => store.recordsAt(ws, places),
    insertSegment: (sealed) => store.insertSegment(sealed),
    segmentAt: (ws, segment) => {
      const read = ws === workspaceId ? ahead.get(segment) : undefined;
      ahead.delete(segment);
      return read ?? store.segmentAt(ws, segment);
    },
  };
  const readAhead = (segment: number) => {
    if (segment < 1 || ahead.has(segment)) return;
    const read = store.segmentAt(workspaceId, segment);
    // a walk that ends first never awaits it: its failure is not news
    read.catch(() => undefined);
    ahead.set(segment, read);
  };
  return { reading, readAhead };
}

/**
 * Places `from..to` of a chain in `order`, a segment at a time, the next segment read while the
 * caller works on this one: the export's and the verification's walk, whose memory is two segments.
 */
export async function* walkChain(
  store: ChainStore,
  workspaceId: string,
  walk: { from: number; to: number; order: Order; occurredFrom?: Date; occurredTo?: Date },
): AsyncGenerator<Stretch> {
  const stretches: { low: number; high: number }[] = [];
  for (let segment = segmentOf(Math.max(1, walk.from)); walk.to >= 1 && segment <= segmentOf(walk.to); segment++) {
    const { first, last } = placesOfSegment(segment);
    stretches.push({ low: Math.max(first, walk.from), high: Math.min(last, walk.to) });
  }
  if (walk.order === 'newest') stretches.reverse();
  const read = (i: number) => {
    const reading = readStretch(store, workspaceId, { ...stretches[i]!, order: walk.order, occurredFrom: walk.occurredFrom, occurredTo: walk.occurredTo });
    // a walk left early (a broken link found) never awaits its read-ahead: its failure is not news
    reading.catch(() => undefined);
    return reading;
  };
  // the next segment is on its way while this one is worked on (two ahead measured slower)
  const ahead: Promise<Stretch>[] = [];
  for (let i = 0; i < stretches.length; i++) {
    while (ahead.length <= READ_AHEAD && i + ahead.length < stretches.length) ahead.push(read(i + ahead.length));
    yield await ahead.shift()!;
  }
}

/** Slices a tenant's walk asks for ahead of the one it goes through (each a small read). */
const SLICES_AHEAD = 2;

/**
 * One tenant's slices of a workspace's segments as a walk down the chain takes them: asking for
 * segment n also asks for the SLICES_AHEAD segments below it, so the database fetches them while
 * the walk goes through this one. A read asked for and never taken is dropped.
 */
export function tenantSlicesAhead(
  store: Pick<AuditLogStore, 'tenantSliceAt'>,
  workspaceId: string,
  tenantId: string,
): (segment: number) => Promise<TenantSlice | 'none' | null> {
  const reads = new Map<number, Promise<TenantSlice | 'none' | null>>();
  const ask = (segment: number) => {
    if (segment < 1 || reads.has(segment)) return;
    const read = store.tenantSliceAt(workspaceId, segment, tenantId);
    // a walk that ends first never awaits it: its failure is not news
    read.catch(() => undefined);
    reads.set(segment, read);
  };
  return (segment) => {
    for (let below = 0; below <= SLICES_AHEAD; below++) ask(segment - below);
    const read = reads.get(segment)!;
    reads.delete(segment);
    return read;
  };
}
