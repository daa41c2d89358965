/**
 * The audit log at volume: ≥ 100,000 records in one workspace of a real audit process on FerretDB.
 * Most records are seeded as a chain built by the service's own code (entry derivation and
 * `appendTo`, stored in the adapter's document form) because FerretDB ingests far slower than 100k
 * per test; the last AUDIT_VOLUME_KAFKA records arrive through Kafka as lifecycle events, produced
 * in large batches and chained by the running service behind the seeded head. Then every page is
 * walked unfiltered, and the first TENANT_PAGES by tenant (a filtered page looks at a bounded
 * stretch of the chain: its first pages are what an operator reads, and the unit test of the use
 * case walks a filter to the end), while new events keep arriving; both exports are read, and the
 * whole chain is verified. The seeded records were recorded long ago, so retention moves the oldest
 * of them out of the single records as the Kafka events fill segments: the reads take them from
 * their sealed segments. Timings are printed at the end.
 *
 * AUDIT_VOLUME_RECORDS (default 100000) and AUDIT_VOLUME_KAFKA (default 5000) size it.
 */
import { promiseClient } from '@tenantatlas/grpc';
import { type EventEnvelope } from '@tenantatlas/kafka';
import { uniqueName, waitFor } from '@tenantatlas/testing';
import { toDocument, writeSealed } from './adapters/mongo/audit-log.repository';
import { appendTo, EMPTY_HEAD, entryFromEvent, type AuditRecord, type ChainHead } from './domain/audit-record';
import { sealSegment, SEGMENT_PLACES } from './domain/chain-segment';
import { AuditFixture, lifecycleEvent, type AuditClient } from './testing/audit-fixture';

const TOTAL = Number(process.env.AUDIT_VOLUME_RECORDS ?? 100_000);
const VIA_KAFKA = Math.min(TOTAL, Number(process.env.AUDIT_VOLUME_KAFKA ?? 5_000));
const SEEDED = TOTAL - VIA_KAFKA;
const PAGE = 500;
/** pages of the tenant's walk: 20 look at 20,000 places of the chain */
const TENANT_PAGES = 20;
const TENANTS = 10;
const T0 = Date.UTC(2026, 0, 1);
const TYPES = [
  'tenantatlas.onboarding.draft.updated',
  'tenantatlas.connections.connection.verified',
  'tenantatlas.operations.run.completed',
  'tenantatlas.gateway.access.denied',
];

jest.setTimeout(30 * 60_000);

interface Listed {
  event_id: string;
  seq: string;
  tenant_id: string;
}

describe(`audit at volume: ${TOTAL} records in one workspace (real Kafka, FerretDB and audit process)`, () => {
  const audit = new AuditFixture();
  const ws = uniqueName('ws-volume');
  const tenantOf = (n: number) => `${ws}-tenant-${n % TENANTS}`;
  const filterTenant = tenantOf(3);
  /** every event id with its tenant, in the order it was produced */
  const known = new Map<string, string>();
  const timings: string[] = [];
  let slow: AuditClient;

  function event(n: number, time = new Date(T0 + n * 1_000)): EventEnvelope {
    const type = TYPES[n % TYPES.length]!;
    const e = lifecycleEvent({
      type,
      subject: `${type.split('.')[2]}/s-${n}`,
      workspaceId: ws,
      tenantId: tenantOf(n),
      actor: n % 3 === 0 ? { kind: 'system', component: 'operations-worker' } : { kind: 'user', userId: `user-${n % 7}` },
      data: { outcome: n % 5 === 0 ? 'failed' : 'succeeded', n },
      time,
    });
    known.set(e.id, e.tenantId!);
    return e;
  }

  const topicOf = (e: EventEnvelope) =>
    ({
      onboarding: audit.topics.onboardingEvents,
      connections: audit.topics.connectionsEvents,
      operations: audit.topics.operationsEvents,
      gateway: audit.topics.securityEvents,
    })[e.type.split('.')[1]!]!;

  async function timed<T>(label: string, work: () => Promise<T>, per?: (value: T) => number): Promise<T> {
    const start = performance.now();
    const value = await work();
    const s = (performance.now() - start) / 1000;
    const count = per?.(value);
    timings.push(`${label}: ${s.toFixed(1)} s${count ? ` (${count} records, ${(count / s).toFixed(0)}/s)` : ''}`);
    return value;
  }

  /** Until audit has committed everything on its topics; lag comes from Kafka, not a scan. */
  async function caughtUp(what: string): Promise<void> {
    await waitFor(async () => Number((await audit.client.GetIngestStatus({})).total_lag) === 0, { what, timeoutMs: 20 * 60_000, intervalMs: 500 });
  }

  /** Publishes events through Kafka as they keep arriving, until stopped; the ids it produced. */
  function keepArriving(from: number): { stop(): Promise<string[]> } {
    const ids: string[] = [];
    let running = true;
    const loop = (async () => {
      for (let round = 0; running; round++) {
        const batch = Array.from({ length: 10 }, (_, i) => event(from + round * 10 + i, new Date()));
        await audit.publisher.publish(batch.map((e) => ({ topic: topicOf(e), event: e })));
        ids.push(...batch.map((e) => e.id));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return ids;
      },
    };
  }

  /** Walks every page (or the first `pages`); `onFirstPage` runs once the first page is there (the walk goes on). */
  async function walk(filter: Record<string, string>, onFirstPage: () => void = () => undefined, pages = Infinity): Promise<Listed[]> {
    const found: Listed[] = [];
    const start = performance.now();
    let token = '';
    for (let read = 0; read < pages; read++) {
      const page = await slow.ListAuditEvents({ workspace_id: ws, filter, page: { page_size: PAGE, page_token: token } });
      if (found.length === 0) {
        timings.push(`  first page ${JSON.stringify(filter)}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
        onFirstPage();
      }
      found.push(...(page.events as Listed[]));
      token = page.next_page_token;
      if (!token) break;
    }
    return found;
  }

  function expectNewestFirstWithoutRepeats(found: Listed[]): void {
    const seqs = found.map((e) => Number(e.seq));
    const descending = seqs.every((s, i) => i === 0 || s < seqs[i - 1]!);
    expect(descending).toBe(true);
    expect(new Set(found.map((e) => e.event_id)).size).toBe(found.length);
  }

  beforeAll(async () => {
    await audit.start({ LOG_LEVEL: 'warn' });
    slow = promiseClient(audit.raw!, 20 * 60_000);

    // The seeded part of the chain, built as the service builds it and inserted in bulk, each full
    // segment sealed as the service seals it.
    await timed(
      `seed ${SEEDED} records (chain by the service's code, insertMany of ${SEGMENT_PLACES} + the segment they fill)`,
      async () => {
        let head: ChainHead = EMPTY_HEAD;
        for (let from = 0; from < SEEDED; from += SEGMENT_PLACES) {
          const records: AuditRecord[] = [];
          for (let n = from; n < Math.min(SEEDED, from + SEGMENT_PLACES); n++) {
            const e = event(n);
            const derived = entryFromEvent(e, new Date(T0 + n * 1_000 + 5));
            if (!derived.ok) throw new Error(derived.reason);
            const record = appendTo(head, derived.entry);
            head = { seq: record.seq, hash: record.hash };
            records.push(record);
          }
          await audit.records.insertMany(records.map(toDocument) as never[], { ordered: true });
          const sealed = records.length === SEGMENT_PLACES ? sealSegment(records) : null;
          if (sealed) await writeSealed(audit.mongo, sealed);
        }
        if (head.seq > 0) await audit.heads.updateOne({ _id: ws as never }, { $set: { seq: head.seq, hash: head.hash } }, { upsert: true });
      },
      () => SEEDED,
    );

    // The rest through Kafka, produced in large batches; the service appends behind the seeded head.
    const viaKafka = Array.from({ length: VIA_KAFKA }, (_, i) => event(SEEDED + i));
    await timed(
      `ingest ${VIA_KAFKA} events through Kafka (produce in batches of 2,500 + record until lag 0)`,
      async () => {
        await timed('  of which producing', async () => {
          for (let i = 0; i < viaKafka.length; i += 2_500) {
            await audit.publisher.publish(viaKafka.slice(i, i + 2_500).map((e) => ({ topic: topicOf(e), event: e })));
          }
        });
        await caughtUp(`${VIA_KAFKA} events recorded`);
      },
      () => VIA_KAFKA,
    );
    expect(Number((await audit.client.GetIngestStatus({})).dead_lettered)).toBe(0);
    // the service sealed the last segment the Kafka events filled, and each seal let retention
    // take the records of two of the seeded segments (recorded in January, past the 30 days) out
    // of the single records: the walks, exports and verification below read them from the archive
    if (TOTAL % SEGMENT_PLACES === 0) expect(await audit.segments.findOne({ _id: `${ws}:${TOTAL / SEGMENT_PLACES}` as never })).not.toBeNull();
    const archived = 2 * Math.floor(VIA_KAFKA / SEGMENT_PLACES) * SEGMENT_PLACES;
    expect(await audit.records.findOne({ _id: `${ws}:1` as never })).toBeNull();
    expect(await audit.records.findOne({ _id: `${ws}:${archived}` as never })).toBeNull();
    expect(await audit.records.findOne({ _id: `${ws}:${archived + 1}` as never })).not.toBeNull();
  });

  afterAll(async () => {
    console.log(`audit volume (${TOTAL} records in one workspace, ${SEEDED} seeded + ${VIA_KAFKA} via Kafka):\n  ${timings.join('\n  ')}`);
    audit.raw?.close();
    await audit.stop();
  });

  let arrived: string[] = [];

  it('walks every page unfiltered, and the first by tenant, while events keep arriving: exactly the records there at the first page', async () => {
    const atStart = [...known.keys()];
    const tenantAtStart = atStart.filter((id) => known.get(id) === filterTenant);
    let arrivals: { stop(): Promise<string[]> } | undefined;
    let firstPages = 0;
    // Both walks start together; new events begin to arrive once both have their first page.
    const onFirstPage = () => {
      if (++firstPages === 2) arrivals = keepArriving(10_000_000);
    };
    const [all, byTenant] = await timed(
      `walk pages of ${PAGE} (every unfiltered page + ${TENANT_PAGES} of one tenant, at once, while events arrive)`,
      () => Promise.all([walk({}, onFirstPage), walk({ tenant_id: filterTenant }, onFirstPage, TENANT_PAGES)]),
      ([a, b]) => a.length + b.length,
    );
    arrived = (await arrivals?.stop()) ?? [];
    expect(arrived.length).toBeGreaterThan(0);

    expect(all).toHaveLength(atStart.length);
    expectNewestFirstWithoutRepeats(all);
    expect(all.map((e) => Number(e.seq))).toEqual(Array.from({ length: TOTAL }, (_, i) => TOTAL - i));
    expect(new Set(all.map((e) => e.event_id))).toEqual(new Set(atStart));

    // the filtered pages are the unfiltered walk restricted to the tenant, in the same order, down
    // to where the last of them stopped
    expect(byTenant.length).toBeGreaterThan(0);
    expectNewestFirstWithoutRepeats(byTenant);
    const tenantOfWalk = all.filter((e) => e.tenant_id === filterTenant);
    expect(byTenant.map((e) => e.event_id)).toEqual(tenantOfWalk.slice(0, byTenant.length).map((e) => e.event_id));
    expect(tenantOfWalk.length).toBe(tenantAtStart.length);

    await caughtUp('the events that arrived during the walk');
  });

  it('exports the same set as NDJSON and as CSV, and verifies the whole chain', async () => {
    const expected = new Set(known.keys());
    const total = expected.size;
    expect(total).toBe(TOTAL + arrived.length);
    const [ndjson, csv, verdict] = await timed(
      `export NDJSON + export CSV + verify the chain (${total} records each, at once)`,
      () =>
        Promise.all([
          timed('  NDJSON export', () => audit.exportText({ workspace_id: ws, format: 'EXPORT_FORMAT_NDJSON' }), () => total),
          timed('  CSV export', () => audit.exportText({ workspace_id: ws, format: 'EXPORT_FORMAT_CSV' }), () => total),
          timed('  verify chain', () => slow.VerifyAuditChain({ workspace_id: ws }), () => total),
        ]),
    );

    const lines = ndjson.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { seq: number; event_id: string; workspace_id: string });
    expect(lines).toHaveLength(total);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    expect(new Set(lines.map((l) => l.event_id))).toEqual(expected);
    expect(lines.every((l) => l.workspace_id === ws)).toBe(true);

    const [header, ...rows] = csv.text.trimEnd().split('\r\n');
    expect(header!.split(',').slice(0, 2)).toEqual(['seq', 'event_id']);
    expect(rows).toHaveLength(total);
    const cells = rows.map((row) => row.split(','));
    expect(cells.map((c) => Number(c[0]))).toEqual(lines.map((l) => l.seq));
    expect(cells.map((c) => c[1])).toEqual(lines.map((l) => l.event_id));

    expect(verdict).toMatchObject({ ok: true, records_checked: String(total), last_seq: String(total) });
  });
});
