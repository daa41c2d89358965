import { auditEntry } from '../test-support/audit-entry';
import { ChainVerifier, type AuditRecord, type ChainHead } from '../domain/hash-chain';
import { AppendRecord } from './append-record.use-case';
import type { AuditLogStore, ChainInsert, Refusal } from './ports';

/** The records' two unique keys (place on the chain, event id) and the heads, in memory. */
class MemoryLog {
  readonly records = new Map<string, AuditRecord>();
  readonly heads = new Map<string, ChainHead>();
  groupInserts = 0;
  /** exact-key reads of a record (the only reads the append path may make) */
  linkReads = 0;
  /** runs before each insert: lets a test play another replica appending meanwhile */
  beforeInsert: (() => Promise<void>) | undefined;

  private insertOne(record: AuditRecord): Refusal | null {
    if ([...this.records.values()].some((r) => r.eventId === record.eventId)) return 'duplicate-event';
    const key = `${record.workspaceId}:${record.seq}`;
    if (this.records.has(key)) return 'seq-taken';
    this.records.set(key, record);
    return null;
  }

  insertChain = async (records: AuditRecord[]): Promise<ChainInsert> => {
    this.groupInserts++;
    const racing = this.beforeInsert;
    this.beforeInsert = undefined;
    await racing?.();
    for (const [i, record] of records.entries()) {
      // like FerretDB: the store does not say which key refused the record
      if (this.insertOne(record)) return { inserted: i, refused: 'unknown' };
    }
    return { inserted: records.length };
  };
  linkAt = async (workspaceId: string, seq: number) => {
    this.linkReads++;
    const record = this.records.get(`${workspaceId}:${seq}`);
    return record ? { eventId: record.eventId, seq: record.seq, hash: record.hash } : null;
  };
  readHead = async (workspaceId: string) => this.heads.get(workspaceId) ?? null;
  advanceHead = async (workspaceId: string, head: ChainHead) => void this.heads.set(workspaceId, head);

  chainOf(workspaceId: string): AuditRecord[] {
    return [...this.records.values()].filter((r) => r.workspaceId === workspaceId).sort((a, b) => a.seq - b.seq);
  }

  asStore(): AuditLogStore {
    return this as unknown as AuditLogStore;
  }
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
    expect(await append.execute(auditEntry('a'))).toEqual({ status: 'appended', seq: 1 });
    expect(await append.execute(auditEntry('x', 'ws-2'))).toEqual({ status: 'appended', seq: 1 });
    expect(await append.execute(auditEntry('b'))).toEqual({ status: 'appended', seq: 2 });
    expect(await append.execute(auditEntry('a'))).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
    expect(verify(log)).toMatchObject({ ok: true, checked: 2 });
  });

  it('reads no record before inserting new events; a recorded one is refused by its key', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    await append.executeBatch(['a', 'b', 'c'].map((id) => auditEntry(id)));
    expect(log.linkReads).toBe(0);
    expect(await append.execute(auditEntry('b'))).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
  });

  it('stores a batch with one insert, and an event twice in it once', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    const results = await append.executeBatch(['a', 'b', 'a', 'c', 'x'].map((id) => auditEntry(id, id === 'x' ? 'ws-2' : 'ws-1')));
    expect(results).toEqual([
      { status: 'appended', seq: 1 },
      { status: 'appended', seq: 2 },
      { status: 'duplicate' },
      { status: 'appended', seq: 3 },
      { status: 'appended', seq: 1 },
    ]);
    expect(log.groupInserts).toBe(2); // one per workspace
    expect(log.heads.get('ws-1')?.seq).toBe(3);
  });

  it('drops events of a batch that earlier deliveries recorded, and chains the rest after them', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    await append.executeBatch(['a', 'b'].map((id) => auditEntry(id)));
    const results = await new AppendRecord(log.asStore()).executeBatch(['c', 'a', 'd', 'b', 'e'].map((id) => auditEntry(id)));
    expect(results.map((r) => r.status)).toEqual(['appended', 'duplicate', 'appended', 'duplicate', 'appended']);
    expect(log.chainOf('ws-1').map((r) => r.eventId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 5 });
  });

  it('re-chains the rest of a batch after the records another replica inserted in the middle of it', async () => {
    const log = new MemoryLog();
    const replicaA = new AppendRecord(log.asStore());
    const replicaB = new AppendRecord(log.asStore());
    await replicaA.execute(auditEntry('a0'));
    // B appends three records right before A's batch insert: A's chained seqs 2.. are taken
    log.beforeInsert = async () => void (await replicaB.executeBatch(['b1', 'b2', 'b3'].map((id) => auditEntry(id))));
    const results = await replicaA.executeBatch(['a1', 'a2', 'b2'].map((id) => auditEntry(id)));
    expect(results).toEqual([{ status: 'appended', seq: 5 }, { status: 'appended', seq: 6 }, { status: 'duplicate' }]);
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a0', '2:b1', '3:b2', '4:b3', '5:a1', '6:a2']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 6 });
  });

  it('keeps one gap-free chain with every event once when two replicas share a stream with repeats', async () => {
    const log = new MemoryLog();
    const replicas = [new AppendRecord(log.asStore()), new AppendRecord(log.asStore())];
    const ids = Array.from({ length: 60 }, (_, i) => `e${i}`);
    const batches = Array.from({ length: 12 }, (_, b) => ids.slice(b * 5, b * 5 + 5).concat(ids[(b * 7) % 60]!));
    await Promise.all(batches.map((batch, b) => replicas[b % 2]!.executeBatch(batch.map((id) => auditEntry(id)))));
    const chain = log.chainOf('ws-1');
    expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(chain.map((r) => r.eventId))).toEqual(new Set(ids));
    expect(verify(log)).toMatchObject({ ok: true, checked: 60 });
  });

  it('serializes concurrent appends to one workspace inside the process', async () => {
    const log = new MemoryLog();
    const append = new AppendRecord(log.asStore());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => append.execute(auditEntry(`e${i}`))));
    expect(results.map((r) => (r.status === 'appended' ? r.seq : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(verify(log)).toMatchObject({ ok: true, checked: 20 });
  });

  it('continues after a crash that left the head behind the records (no fork, no gap)', async () => {
    const log = new MemoryLog();
    await new AppendRecord(log.asStore()).execute(auditEntry('a'));
    const second = await new AppendRecord(log.asStore()).execute(auditEntry('b'));
    expect(second).toEqual({ status: 'appended', seq: 2 });
    log.heads.set('ws-1', { seq: 1, hash: log.chainOf('ws-1')[0]!.hash });

    const restarted = new AppendRecord(log.asStore());
    expect(await restarted.execute(auditEntry('c'))).toEqual({ status: 'appended', seq: 3 });
    expect(verify(log)).toMatchObject({ ok: true, checked: 3 });
  });

  it('yields to another replica that appended to the same workspace meanwhile', async () => {
    const log = new MemoryLog();
    const replicaA = new AppendRecord(log.asStore());
    const replicaB = new AppendRecord(log.asStore());
    await replicaA.execute(auditEntry('a1'));
    await replicaB.execute(auditEntry('b1'));
    await replicaA.execute(auditEntry('a2'));
    await replicaB.execute(auditEntry('b2'));
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a1', '2:b1', '3:a2', '4:b2']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 4 });
  });
});
