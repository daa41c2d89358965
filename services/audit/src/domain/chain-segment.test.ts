import { auditEntry } from '../testing/audit-entry';
import { chainFrom, EMPTY_HEAD } from './audit-record';
import { ChainVerifier } from './chain-verifier';
import { mayHoldOccurred, openSegment, placesOfSegment, sealSegment, segmentOf, segmentRecords, sliceByTenant, sliceRecords, SEGMENT_PLACES } from './chain-segment';

const chain = (length: number) => chainFrom(EMPTY_HEAD, Array.from({ length }, (_, i) => auditEntry(`event-${i + 1}`)));

describe('segments of a chain', () => {
  it('cuts the chain into segments of 1,000 places', () => {
    expect([1, 1_000, 1_001, 2_000, 2_001].map(segmentOf)).toEqual([1, 1, 2, 2, 3]);
    expect(placesOfSegment(3)).toEqual({ first: 2_001, last: 3_000 });
  });

  it('seals a full segment into text that opens to the same records, still a valid chain', () => {
    const records = chain(2 * SEGMENT_PLACES);
    const second = records.slice(SEGMENT_PLACES);
    const sealed = sealSegment(second)!;
    expect(sealed).toMatchObject({ workspaceId: 'ws-1', segment: 2, lastHash: second.at(-1)!.hash });
    expect(openSegment(sealed)).toEqual(second);
    const verifier = new ChainVerifier(null);
    for (const record of [...records.slice(0, SEGMENT_PLACES), ...openSegment(sealed)]) expect(verifier.push(record)).toBe(true);
  });

  it('hands over a stretch of a sealed segment in either order, a record at a time', () => {
    const records = chain(2 * SEGMENT_PLACES);
    const sealed = sealSegment(records.slice(SEGMENT_PLACES))!;
    expect([...segmentRecords(sealed, 1_998, 2_000, 'oldest')]).toEqual(records.slice(1_997, 2_000));
    expect([...segmentRecords(sealed, 1_001, 1_003, 'newest')].map((r) => r.seq)).toEqual([1_003, 1_002, 1_001]);
    expect([...segmentRecords(sealed, 1, 5_000, 'oldest')]).toHaveLength(SEGMENT_PLACES);
    // lines a reader refuses are skipped (the seq of each line is its place)
    const everyHundredth = (line: string) => /"seq":\d*00,/.test(line);
    expect([...segmentRecords(sealed, 1_001, 2_000, 'newest', everyHundredth)].map((r) => r.seq)).toEqual([2_000, 1_900, 1_800, 1_700, 1_600, 1_500, 1_400, 1_300, 1_200, 1_100]);
  });

  it('seals only all the places of one segment, in order', () => {
    const records = chain(SEGMENT_PLACES + 1);
    expect(() => sealSegment(records.slice(0, SEGMENT_PLACES - 1))).toThrow(/all its 1000 places/);
    expect(() => sealSegment(records.slice(1))).toThrow(/all its 1000 places/);
  });

  it('does not seal a segment too large for one document', () => {
    const huge = { note: 'x'.repeat(999) };
    const records = chainFrom(
      EMPTY_HEAD,
      Array.from({ length: SEGMENT_PLACES }, (_, i) => ({ ...auditEntry(`event-${i + 1}`), before: { ...huge, a: 'x'.repeat(999) }, after: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`k${k}`, 'y'.repeat(999)])) })),
    );
    expect(sealSegment(records)).toBeNull();
  });

  it('tells from its time bounds whether a segment may hold records of a range', () => {
    const sealed = { occurredFrom: new Date('2026-01-02T00:00:00Z'), occurredTo: new Date('2026-01-03T00:00:00Z') };
    expect(mayHoldOccurred(sealed, undefined, undefined)).toBe(true);
    expect(mayHoldOccurred(sealed, new Date('2026-01-03T00:00:00Z'), undefined)).toBe(true);
    expect(mayHoldOccurred(sealed, new Date('2026-01-03T00:00:01Z'), undefined)).toBe(false);
    expect(mayHoldOccurred(sealed, undefined, new Date('2026-01-02T00:00:00Z'))).toBe(false);
    expect(mayHoldOccurred(sealed, undefined, new Date('2026-01-02T00:00:01Z'))).toBe(true);
  });

  it("slices a sealed segment by tenant: each tenant's records in chain order, records of no tenant in none", () => {
    const tenantOf = (i: number) => (i % 4 === 0 ? null : `tenant-${i % 4}`);
    const records = chainFrom(EMPTY_HEAD, Array.from({ length: SEGMENT_PLACES }, (_, i) => ({ ...auditEntry(`event-${i + 1}`), tenantId: tenantOf(i) })));
    const slices = sliceByTenant(sealSegment(records)!);
    expect(slices.map((s) => s.tenantId).sort()).toEqual(['tenant-1', 'tenant-2', 'tenant-3']);
    const second = slices.find((s) => s.tenantId === 'tenant-2')!;
    expect(second).toMatchObject({ workspaceId: 'ws-1', segment: 1 });
    expect([...sliceRecords(second, 1, SEGMENT_PLACES, 'oldest')]).toEqual(records.filter((r) => r.tenantId === 'tenant-2'));
    // a stretch of it, newest first, and lines a reader refuses left out
    expect([...sliceRecords(second, 1, 20, 'newest')].map((r) => r.seq)).toEqual([19, 15, 11, 7, 3]);
    expect([...sliceRecords(second, 1, 20, 'newest', (line) => line.includes('"event-7"'))].map((r) => r.seq)).toEqual([7]);
  });
});
