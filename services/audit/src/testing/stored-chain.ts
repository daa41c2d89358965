import type { AuditLogStore } from '../app/ports';
import { chainFrom, EMPTY_HEAD, headOf, type AuditRecord, type ChainHead } from '../domain/audit-record';
import { placesOfSegment, sealSegment, sliceByTenant, SEGMENT_PLACES, type SealedSegment } from '../domain/chain-segment';
import { auditEntry } from './audit-entry';

/**
 * A chain of `length` records whose stored head lags `lag` places behind its end. Every
 * `tenantEvery`-th record (seq 1, 1 + n, …) belongs to tenant-a. The first `sealed` segments are
 * sealed, the first `sliced` of those (all, unless said) with their tenant slices, and the
 * records of the first `archived` of them are no longer stored one by one.
 */
export function storedChain(length: number, lag: number, tenantEvery = 0, layout: { sealed?: number; sliced?: number; archived?: number } = {}) {
  const entries = Array.from({ length }, (_, i) => ({ ...auditEntry(`event-${i + 1}`), tenantId: tenantEvery && i % tenantEvery === 0 ? 'tenant-a' : null }));
  const records = chainFrom(EMPTY_HEAD, entries);
  const head: ChainHead | null = length - lag > 0 ? headOf(records[length - lag - 1]!) : null;
  const archivedTo = (layout.archived ?? 0) * SEGMENT_PLACES;
  const at = (seq: number) => (seq > archivedTo ? records[seq - 1] : undefined);
  const segments = new Map<number, SealedSegment>();
  for (let segment = 1; segment <= (layout.sealed ?? 0); segment++) {
    const { first, last } = placesOfSegment(segment);
    segments.set(segment, sealSegment(records.slice(first - 1, last))!);
  }
  const sliced = new Set(Array.from({ length: layout.sliced ?? layout.sealed ?? 0 }, (_, i) => i + 1));
  const reads = { places: 0, segments: 0, slices: 0, sealedByReaders: 0 };
  // the methods sit on the prototype, as on the repository (a class): a copy by spread loses them here too
  const store = Object.create({
    readHead: async () => head,
    linkAt: async (_ws: string, seq: number) => (records[seq - 1] ? headOf(records[seq - 1]!) : null),
    recordsAt: async (_ws: string, seqs: readonly number[]) => {
      reads.places += seqs.length;
      return seqs.map(at).filter((record): record is AuditRecord => record !== undefined);
    },
    segmentAt: async (_ws: string, segment: number) => {
      reads.segments += 1;
      return segments.get(segment) ?? null;
    },
    insertSegment: async (sealed: SealedSegment) => {
      reads.sealedByReaders += 1;
      segments.set(sealed.segment, sealed);
      sliced.add(sealed.segment);
    },
    tenantSliceAt: async (_ws: string, segment: number, tenantId: string) => {
      reads.slices += 1;
      const sealed = segments.get(segment);
      if (!sealed || !sliced.has(segment)) return null;
      return sliceByTenant(sealed).find((slice) => slice.tenantId === tenantId) ?? 'none';
    },
  }) as AuditLogStore;
  return { store, reads, records, segments };
}
