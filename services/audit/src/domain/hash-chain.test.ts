import { appendTo, chainFrom, EMPTY_HEAD, firstDeliveries, GENESIS_HASH, headOf, type AuditEntry, type AuditRecord, type ChainHead } from './audit-record';
import { ChainVerifier } from './chain-verifier';

function entry(n: number): AuditEntry {
  return {
    eventId: `evt-${n}`,
    workspaceId: 'ws-1',
    tenantId: n % 2 ? 'tenant-1' : null,
    type: 'tenantatlas.operations.run.completed',
    action: 'run.completed',
    sourceService: 'operations',
    actor: { kind: 'user', id: 'user-1', displayName: null },
    subjectType: 'run',
    subjectId: `r-${n}`,
    outcome: 'succeeded',
    reasonCode: null,
    before: { status: 'running' },
    after: { status: 'succeeded' },
    details: {},
    traceId: null,
    occurredAt: new Date(Date.UTC(2026, 2, 1, 10, 0, n)),
    recordedAt: new Date(Date.UTC(2026, 2, 1, 10, 1, n)),
  };
}

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  let head: ChainHead = EMPTY_HEAD;
  for (let n = 1; n <= length; n++) {
    const record = appendTo(head, entry(n));
    records.push(record);
    head = { seq: record.seq, hash: record.hash };
  }
  return records;
}

function verify(records: AuditRecord[], head: ChainHead | null = null) {
  const verifier = new ChainVerifier(head);
  for (const record of records) if (!verifier.push(record)) break;
  return verifier.finish();
}


describe('hash chain', () => {
  it('links each record to the one before, starting from the genesis hash', () => {
    const records = chain(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(records[2]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an intact chain, and a head that lags behind it (crash before the head moved)', () => {
    const records = chain(5);
    expect(verify(records, headOf(records[4]!))).toEqual({ ok: true, checked: 5, lastSeq: 5, headHash: records[4]!.hash });
    expect(verify(records, headOf(records[2]!))).toMatchObject({ ok: true, checked: 5 });
    expect(verify([], null)).toMatchObject({ ok: true, checked: 0, lastSeq: 0 });
  });

  it('does not depend on how the store returns empty summaries and nulls', () => {
    const records = chain(2).map(
      (r) => ({ ...r, details: undefined, tenantId: r.tenantId ?? undefined }) as unknown as AuditRecord,
    );
    expect(verify(records)).toMatchObject({ ok: true });
  });

  it('names an edited record', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, outcome: 'failed' };
    expect(verify(records)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'HASH_MISMATCH', checked: 3, lastSeq: 2 });
  });

  it('names the first broken link when a record was edited and rehashed', () => {
    const records = chain(5);
    const edited = { ...records[1]!, actor: { kind: 'user' as const, id: 'someone-else', displayName: null } };
    records[1] = appendTo(headOf(records[0]!), edited);
    expect(verify(records)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'PREV_HASH_MISMATCH' });
  });

  it('names a deleted record, at the start, in the middle, or at the tail behind the head', () => {
    const records = chain(5);
    expect(verify(records.slice(1))).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'RECORD_MISSING' });
    expect(verify([...records.slice(0, 2), ...records.slice(3)])).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'RECORD_MISSING' });
    expect(verify(records.slice(0, 3), headOf(records[4]!))).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'RECORD_MISSING' });
  });

  it('names a head that disagrees with the record at its seq', () => {
    const records = chain(3);
    expect(verify(records, { seq: 2, hash: 'f'.repeat(64) })).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'HEAD_MISMATCH' });
  });
});

describe('chainFrom', () => {
  it('chains a batch in memory exactly as appending one by one would', () => {
    expect(chainFrom(EMPTY_HEAD, [1, 2, 3].map(entry))).toEqual(chain(3));
  });

  it('continues a stored chain from its head', () => {
    const stored = chain(2);
    const rest = chainFrom(headOf(stored[1]!), [entry(3), entry(4)]);
    expect(rest.map((r) => r.seq)).toEqual([3, 4]);
    expect(verify([...stored, ...rest])).toMatchObject({ ok: true, checked: 4 });
  });
});

describe('firstDeliveries', () => {
  it('keeps the first of an event delivered twice in one batch', () => {
    expect(firstDeliveries([entry(1), entry(2), entry(1), entry(3), entry(2)])).toEqual([0, 1, 3]);
  });
});
