import type { AuditEntry } from '../domain/audit-entry';
import { ChainVerifier, type AuditRecord, type ChainHead } from '../domain/hash-chain';
import { AppendRecord } from './append-record.use-case';
import type { AuditLogStore, InsertOutcome } from './ports';

/** The two unique indexes and the head document, in memory; only what AppendRecord uses. */
class MemoryLog {
  readonly records = new Map<string, AuditRecord>();
  readonly heads = new Map<string, ChainHead>();

  hasEvent = async (eventId: string) => this.records.has(eventId);
  insert = async (record: AuditRecord): Promise<InsertOutcome> => {
    if (this.records.has(record.eventId)) return 'duplicate-event';
    if (this.chainOf(record.workspaceId).some((r) => r.seq === record.seq)) return 'seq-taken';
    this.records.set(record.eventId, record);
    return 'inserted';
  };
  groupInserts = 0;
  insertInOrder = async (records: AuditRecord[]): Promise<number> => {
    this.groupInserts++;
    for (const [i, record] of records.entries()) if ((await this.insert(record)) !== 'inserted') return i;
    return records.length;
  };
  readHead = async (workspaceId: string) => this.heads.get(workspaceId) ?? null;
  advanceHead = async (workspaceId: string, head: ChainHead) => void this.heads.set(workspaceId, head);
  lastRecord = async (workspaceId: string) => {
    const last = this.chainOf(workspaceId).at(-1);
    return last ? { seq: last.seq, hash: last.hash } : null;
  };

  chainOf(workspaceId: string): AuditRecord[] {
    return [...this.records.values()].filter((r) => r.workspaceId === workspaceId).sort((a, b) => a.seq - b.seq);
  }

  asStore(): AuditLogStore {
    return this as unknown as AuditLogStore;
  }
}

function entry(id: string, workspaceId = 'ws-1'): AuditEntry {
  return {
    eventId: id,
    workspaceId,
    tenantId: null,
    type: 'tenantatlas.operations.run.started',
    action: 'run.started',
    sourceService: 'operations',
    actor: { kind: 'system', id: 'operations-worker', displayName: null },
    subjectType: 'run',
    subjectId: id,
    outcome: null,
    reasonCode: null,
    before: {},
    after: {},
    details: {},
    traceId: null,
    occurredAt: new Date('2026-03-01T10:00:00Z'),
    recordedAt: new Date('2026-03-01T10:00:01Z'),
  };
}

function verify(log: MemoryLog, workspaceId = 'ws-1') {
  const verifier = new ChainVerifier(log.heads.get(workspaceId) ?? null);
  for (const record of log.chainOf(workspaceId)) verifier.push(record);
  return verifier.finish();
}

describe('AppendRecord', () => {
  it('appends gap-free per workspace and adds nothing for a redelivered event', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    expect(await append.execute(entry('a'))).toEqual({ status: 'appended', seq: 1 });
    expect(await append.execute(entry('x', 'ws-2'))).toEqual({ status: 'appended', seq: 1 });
    expect(await append.execute(entry('b'))).toEqual({ status: 'appended', seq: 2 });
    expect(await append.execute(entry('a'))).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
    expect(verify(log)).toMatchObject({ ok: true, checked: 2 });
  });

  it('reads nothing before inserting a new event; a recorded one is refused by its index', async () => {
    const log = new MemoryLog();
    let reads = 0;
    const hasEvent = log.hasEvent;
    log.hasEvent = async (id: string) => (reads++, hasEvent(id));
    const append = new AppendRecord(log.asStore());
    await Promise.all(['a', 'b', 'c'].map((id) => append.execute(entry(id))));
    expect(reads).toBe(0);
    expect(await append.execute(entry('b'))).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
  });

  it('serializes concurrent appends to one workspace inside the process', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => append.execute(entry(`e${i}`))));
    expect(results.map((r) => (r.status === 'appended' ? r.seq : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(verify(log)).toMatchObject({ ok: true, checked: 20 });
  });

  it('commits what arrives during a write as one group, still gap-free and without duplicates', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    const ids = Array.from({ length: 50 }, (_, i) => `g${i}`);
    const results = await Promise.all([...ids, 'g3', 'g7'].map((id) => append.execute(entry(id))));
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(2);
    expect(log.chainOf('ws-1').map((r) => r.eventId)).toEqual(ids);
    expect(log.groupInserts).toBeLessThanOrEqual(2);
    expect(verify(log)).toMatchObject({ ok: true, checked: 50 });
  });

  it('falls back to one-by-one appends when another replica took seqs of a group', async () => {
    const log = new MemoryLog();
    const replicaA = new AppendRecord(log.asStore());
    const replicaB = new AppendRecord(log.asStore());
    await replicaA.execute(entry('a0'));
    await replicaB.execute(entry('b0')); // A's cached head is now behind
    const results = await Promise.all(['a1', 'a2', 'a3'].map((id) => replicaA.execute(entry(id))));
    expect(results.every((r) => r.status === 'appended')).toBe(true);
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a0', '2:b0', '3:a1', '4:a2', '5:a3']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 5 });
  });

  it('continues after a crash that left the head behind the records (no fork, no gap)', async () => {
    const log = new MemoryLog();
    await new AppendRecord(log.asStore()).execute(entry('a'));
    const second = await new AppendRecord(log.asStore()).execute(entry('b'));
    expect(second).toEqual({ status: 'appended', seq: 2 });
    log.heads.set('ws-1', { seq: 1, hash: log.chainOf('ws-1')[0]!.hash });

    const restarted = new AppendRecord(log.asStore());
    expect(await restarted.execute(entry('c'))).toEqual({ status: 'appended', seq: 3 });
    expect(verify(log)).toMatchObject({ ok: true, checked: 3 });
  });

  it('yields to another replica that appended to the same workspace meanwhile', async () => {
    const log = new MemoryLog();
    const replicaA = new AppendRecord(log.asStore());
    const replicaB = new AppendRecord(log.asStore());
    await replicaA.execute(entry('a1'));
    await replicaB.execute(entry('b1'));
    await replicaA.execute(entry('a2'));
    await replicaB.execute(entry('b2'));
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a1', '2:b1', '3:a2', '4:b2']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 4 });
  });
});
