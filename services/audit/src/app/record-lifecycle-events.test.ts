import type { AuditRecord, ChainHead } from '../domain/audit-record';
import { ChainVerifier } from '../domain/chain-verifier';
import { openSegment, SEGMENT_PLACES, type SealedSegment } from '../domain/chain-segment';
import { deliveredRunStart } from '../testing/audit-entry';
import type { AuditLogStore, ChainInsert, DeadLetterSink, Refusal } from './ports';
import { RecordLifecycleEventsUseCase } from './record-lifecycle-events.use-case';

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
  readonly segments = new Map<string, SealedSegment>();
  /** records read by place (what sealing costs when the writer did not append them itself) */
  placeReads = 0;
  recordsAt = async (workspaceId: string, seqs: readonly number[]) => {
    this.placeReads += seqs.length;
    return seqs.map((seq) => this.records.get(`${workspaceId}:${seq}`)).filter((r): r is AuditRecord => r !== undefined);
  };
  segmentAt = async (workspaceId: string, segment: number) => this.segments.get(`${workspaceId}:${segment}`) ?? null;
  insertSegment = async (sealed: SealedSegment) => {
    const key = `${sealed.workspaceId}:${sealed.segment}`;
    if (!this.segments.has(key)) this.segments.set(key, sealed);
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

const noDeadLetters: DeadLetterSink = {
  send: async () => undefined,
  sendEvent: async () => undefined,
  count: async () => 0,
};

function recorder(log: MemoryLog, deadLetters = noDeadLetters) {
  return new RecordLifecycleEventsUseCase({ store: log.asStore(), deadLetters });
}

/** Run starts with these event ids, delivered as one batch. */
function recordAll(useCase: RecordLifecycleEventsUseCase, ids: string[], workspaceOf = (_id: string) => 'ws-1') {
  return useCase.execute({ delivered: ids.map((id) => deliveredRunStart(id, workspaceOf(id))) });
}

async function recordOne(useCase: RecordLifecycleEventsUseCase, id: string, workspaceId = 'ws-1') {
  return (await useCase.execute({ delivered: [deliveredRunStart(id, workspaceId)] }))[0]!;
}

/** Two replicas of the audit service appending to one log. */
function twoReplicas() {
  const log = new MemoryLog();
  return { log, replicaA: recorder(log), replicaB: recorder(log) };
}

function verify(log: MemoryLog, workspaceId = 'ws-1') {
  const verifier = new ChainVerifier(log.heads.get(workspaceId) ?? null);
  for (const record of log.chainOf(workspaceId)) verifier.push(record);
  return verifier.finish();
}

describe('RecordLifecycleEventsUseCase', () => {
  it('appends gap-free per workspace and adds nothing for a redelivered event', async () => {
    const log = new MemoryLog();
    const append = recorder(log);
    expect(await recordOne(append, 'a')).toEqual({ status: 'appended', seq: 1 });
    expect(await recordOne(append, 'x', 'ws-2')).toEqual({ status: 'appended', seq: 1 });
    expect(await recordOne(append, 'b')).toEqual({ status: 'appended', seq: 2 });
    expect(await recordOne(append, 'a')).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
    expect(verify(log)).toMatchObject({ ok: true, checked: 2 });
  });

  it('reads no record before inserting new events; a recorded one is refused by its key', async () => {
    const log = new MemoryLog();
    const append = recorder(log);
    await recordAll(append, ['a', 'b', 'c']);
    expect(log.linkReads).toBe(0);
    expect(await recordOne(append, 'b')).toEqual({ status: 'duplicate' });
    expect(log.records.size).toBe(3);
  });

  it('stores a batch with one insert, and an event twice in it once', async () => {
    const log = new MemoryLog();
    const append = recorder(log);
    const results = await recordAll(append, ['a', 'b', 'a', 'c', 'x'], (id) => (id === 'x' ? 'ws-2' : 'ws-1'));
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
    const append = recorder(log);
    await recordAll(append, ['a', 'b']);
    const results = await recordAll(recorder(log), ['c', 'a', 'd', 'b', 'e']);
    expect(results.map((r) => r.status)).toEqual(['appended', 'duplicate', 'appended', 'duplicate', 'appended']);
    expect(log.chainOf('ws-1').map((r) => r.eventId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 5 });
  });

  it('re-chains the rest of a batch after the records another replica inserted in the middle of it', async () => {
    const { log, replicaA, replicaB } = twoReplicas();
    await recordOne(replicaA, 'a0');
    // B appends three records right before A's batch insert: A's chained seqs 2.. are taken
    log.beforeInsert = async () => void (await recordAll(replicaB, ['b1', 'b2', 'b3']));
    const results = await recordAll(replicaA, ['a1', 'a2', 'b2']);
    expect(results).toEqual([{ status: 'appended', seq: 5 }, { status: 'appended', seq: 6 }, { status: 'duplicate' }]);
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a0', '2:b1', '3:b2', '4:b3', '5:a1', '6:a2']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 6 });
  });

  it('keeps one gap-free chain with every event once when two replicas share a stream with repeats', async () => {
    const log = new MemoryLog();
    const replicas = [recorder(log), recorder(log)];
    const ids = Array.from({ length: 60 }, (_, i) => `e${i}`);
    const batches = Array.from({ length: 12 }, (_, b) => ids.slice(b * 5, b * 5 + 5).concat(ids[(b * 7) % 60]!));
    await Promise.all(batches.map((batch, b) => recordAll(replicas[b % 2]!, batch)));
    const chain = log.chainOf('ws-1');
    expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(chain.map((r) => r.eventId))).toEqual(new Set(ids));
    expect(verify(log)).toMatchObject({ ok: true, checked: 60 });
  });

  it('serializes concurrent appends to one workspace inside the process', async () => {
    const log = new MemoryLog();
    const append = recorder(log);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => recordOne(append, `e${i}`)));
    expect(results.map((r) => (r.status === 'appended' ? r.seq : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(verify(log)).toMatchObject({ ok: true, checked: 20 });
  });

  it('continues after a crash that left the head behind the records (no fork, no gap)', async () => {
    const log = new MemoryLog();
    await recordOne(recorder(log), 'a');
    const second = await recordOne(recorder(log), 'b');
    expect(second).toEqual({ status: 'appended', seq: 2 });
    log.heads.set('ws-1', { seq: 1, hash: log.chainOf('ws-1')[0]!.hash });

    const restarted = recorder(log);
    expect(await recordOne(restarted, 'c')).toEqual({ status: 'appended', seq: 3 });
    expect(verify(log)).toMatchObject({ ok: true, checked: 3 });
  });

  it('yields to another replica that appended to the same workspace meanwhile', async () => {
    const { log, replicaA, replicaB } = twoReplicas();
    await recordOne(replicaA, 'a1');
    await recordOne(replicaB, 'b1');
    await recordOne(replicaA, 'a2');
    await recordOne(replicaB, 'b2');
    expect(log.chainOf('ws-1').map((r) => `${r.seq}:${r.eventId}`)).toEqual(['1:a1', '2:b1', '3:a2', '4:b2']);
    expect(verify(log)).toMatchObject({ ok: true, checked: 4 });
  });

  it('dead-letters an event that cannot be an audit record and records the rest of the batch', async () => {
    const log = new MemoryLog();
    const sent: string[] = [];
    const deadLetters = { ...noDeadLetters, sendEvent: async (d: { event: { id: string } }, reason: string) => void sent.push(`${d.event.id}: ${reason}`) };
    const results = await recorder(log, deadLetters).execute({
      delivered: [deliveredRunStart('a'), deliveredRunStart('odd', 'ws-1', 'not-a-lifecycle-type'), deliveredRunStart('b')],
    });
    expect(results).toEqual([{ status: 'appended', seq: 1 }, { status: 'dead-lettered' }, { status: 'appended', seq: 2 }]);
    expect(sent).toEqual(['odd: unrecognized event type "not-a-lifecycle-type"']);
  });

  it('seals a segment when an append fills it, from what it appended or, after a restart, by place', async () => {
    const log = new MemoryLog();
    const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `e-${from + i}`);
    await recordAll(recorder(log), ids(1, 600));
    const writer = recorder(log);
    await recordAll(writer, ids(601, 300));
    expect(log.segments.size).toBe(0);
    await recordAll(writer, ids(901, 300));
    // segment 1 (places 1..1000): 600 appended before the restart are read, 400 kept in memory
    expect(log.placeReads).toBe(600);
    expect(openSegment(log.segments.get('ws-1:1')!)).toEqual(log.chainOf('ws-1').slice(0, SEGMENT_PLACES));
    await recordAll(writer, ids(1201, 800));
    // segment 2 from memory alone
    expect(log.placeReads).toBe(600);
    expect(openSegment(log.segments.get('ws-1:2')!)).toEqual(log.chainOf('ws-1').slice(SEGMENT_PLACES, 2 * SEGMENT_PLACES));
    expect(log.segments.size).toBe(2);
  });

  it('never appends into places retention emptied while another replica kept the chain', async () => {
    const log = new MemoryLog();
    let now = new Date('2026-03-01T10:00:00Z');
    const clock = () => now;
    const replicaA = new RecordLifecycleEventsUseCase({ store: log.asStore(), deadLetters: noDeadLetters, now: clock });
    const replicaB = new RecordLifecycleEventsUseCase({ store: log.asStore(), deadLetters: noDeadLetters, now: clock });
    await recordAll(replicaA, ['a1', 'a2', 'a3']);
    await recordAll(replicaB, ['b4', 'b5', 'b6']);
    // weeks later: retention has removed places 1..6 (their segment holds them), and replica A,
    // which last saw the chain end at 3, gets the workspace's events again
    for (const seq of [1, 2, 3, 4, 5, 6]) log.records.delete(`ws-1:${seq}`);
    now = new Date('2026-04-15T10:00:00Z');
    expect(await recordOne(replicaA, 'a7')).toEqual({ status: 'appended', seq: 7 });
  });
});
