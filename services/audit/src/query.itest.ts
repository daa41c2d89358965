import { DomainError } from '@tenantatlas/core';
import { type EventEnvelope } from '@tenantatlas/kafka';
import { uniqueName } from '@tenantatlas/testing';
import { AuditFixture, lifecycleEvent } from './testing/audit-fixture';

const TYPES = [
  'tenantatlas.onboarding.draft.updated',
  'tenantatlas.connections.connection.verified',
  'tenantatlas.operations.run.completed',
  'tenantatlas.gateway.access.denied',
];
const OUTCOMES = ['succeeded', 'failed', 'denied'];
const ACTORS = ['user-ada', 'user-bob', 'operations-worker'];
const T0 = Date.UTC(2026, 0, 1);

function error(promise: Promise<unknown>): Promise<{ kind: string; code: string }> {
  return promise.then(
    () => ({ kind: 'none', code: 'none' }),
    (err: DomainError) => ({ kind: err.kind, code: err.code }),
  );
}

describe('audit queries and export (real Kafka, FerretDB and audit process)', () => {
  const audit = new AuditFixture();
  const wsA = uniqueName('ws-a');
  const wsB = uniqueName('ws-b');
  const published: EventEnvelope[] = [];

  function seedEvent(workspaceId: string, n: number): EventEnvelope {
    const type = TYPES[n % TYPES.length]!;
    const actor = ACTORS[n % ACTORS.length]!;
    return lifecycleEvent({
      type,
      subject: `${type.split('.')[2]}/${workspaceId}-s${n % 5}`,
      workspaceId,
      tenantId: `${workspaceId}-tenant-${n % 2}`,
      actor: actor.startsWith('user-') ? { kind: 'user', userId: actor } : { kind: 'system', component: actor },
      data: { outcome: OUTCOMES[n % OUTCOMES.length], n },
      time: new Date(T0 + n * 60_000),
    });
  }

  function topicOf(event: EventEnvelope): string {
    return { onboarding: audit.topics.onboardingEvents, connections: audit.topics.connectionsEvents, operations: audit.topics.operationsEvents }[
      event.type.split('.')[1] as 'onboarding'
    ] ?? audit.topics.securityEvents;
  }

  async function publish(events: EventEnvelope[]): Promise<void> {
    published.push(...events);
    await audit.publisher.publish(events.map((event) => ({ topic: topicOf(event), event })));
  }

  async function listAll(filter: Record<string, string>, pageSize = 500) {
    const found: { event_id: string; seq: string; workspace_id: string }[] = [];
    let token = '';
    do {
      const page = await audit.client.ListAuditEvents({ workspace_id: wsA, filter, page: { page_size: pageSize, page_token: token } });
      found.push(...page.events);
      token = page.next_page_token;
    } while (token);
    return found;
  }

  beforeAll(async () => {
    await audit.start();
    await publish([...Array.from({ length: 120 }, (_, n) => seedEvent(wsA, n)), ...Array.from({ length: 30 }, (_, n) => seedEvent(wsB, n))]);
    await audit.waitForCount(wsA, 120);
    await audit.waitForCount(wsB, 30);
  });
  afterAll(() => audit.stop());

  const inA = (predicate: (e: EventEnvelope, n: number) => boolean) =>
    new Set(published.filter((e) => e.workspaceId === wsA && predicate(e, e.data.n as number)).map((e) => e.id));

  it.each([
    ['tenant', () => ({ tenant_id: `${wsA}-tenant-1` }), (e: EventEnvelope) => e.tenantId === `${wsA}-tenant-1`],
    ['subject', () => ({ subject_type: 'run', subject_id: `${wsA}-s2` }), (e: EventEnvelope) => e.subject === `run/${wsA}-s2`],
    ['actor', () => ({ actor_id: 'operations-worker' }), (_e: EventEnvelope, n: number) => n % 3 === 2],
    ['action', () => ({ action: 'access.denied' }), (e: EventEnvelope) => e.type.endsWith('access.denied')],
    ['outcome', () => ({ outcome: 'failed' }), (_e: EventEnvelope, n: number) => n % 3 === 1],
    [
      'time range',
      () => ({ occurred_from: new Date(T0 + 10 * 60_000).toISOString(), occurred_to: new Date(T0 + 20 * 60_000).toISOString() }),
      (_e: EventEnvelope, n: number) => n >= 10 && n < 20,
    ],
    [
      'several at once',
      () => ({ tenant_id: `${wsA}-tenant-0`, action: 'run.completed', outcome: 'succeeded' }),
      (_e: EventEnvelope, n: number) => n % 2 === 0 && n % 4 === 2 && n % 3 === 0,
    ],
  ])('filters by %s', async (_name, filter, predicate) => {
    const found = await listAll(filter());
    const expected = inA(predicate);
    expect(expected.size).toBeGreaterThan(0);
    expect(new Set(found.map((e) => e.event_id))).toEqual(expected);
    expect(found).toHaveLength(expected.size);
  });

  it('pages newest first without repeats or skips while new records arrive', async () => {
    const existing = inA(() => true);
    const seen: number[] = [];
    const ids: string[] = [];
    let token = '';
    let round = 0;
    do {
      const page = await audit.client.ListAuditEvents({ workspace_id: wsA, page: { page_size: 25, page_token: token } });
      seen.push(...page.events.map((e) => Number(e.seq)));
      ids.push(...page.events.map((e) => e.event_id));
      token = page.next_page_token;
      if (round++ < 2) {
        // New records land between pages; they belong before page one, never inside later pages.
        await publish(Array.from({ length: 10 }, (_, i) => seedEvent(wsA, 1_000 + round * 10 + i)));
        await audit.waitForCount(wsA, 120 + round * 10);
      }
    } while (token);
    expect(ids).toHaveLength(120);
    expect(new Set(ids)).toEqual(existing);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
  });

  it('exports every matching record as NDJSON and as CSV, streamed', async () => {
    const tenant = `${wsA}-tenant-0`;
    const expected = await listAll({ tenant_id: tenant });
    const ndjson = await audit.exportText({ workspace_id: wsA, filter: { tenant_id: tenant }, format: 'EXPORT_FORMAT_NDJSON' });
    const lines = ndjson.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ndjson.contentType).toBe('application/x-ndjson');
    expect(ndjson.fileName).toMatch(/\.ndjson$/);
    expect(lines.map((l) => l.event_id)).toEqual(expected.map((e) => e.event_id));
    expect(lines.every((l) => l.workspace_id === wsA && l.tenant_id === tenant)).toBe(true);

    const csv = await audit.exportText({ workspace_id: wsA, format: 'EXPORT_FORMAT_CSV', oldest_first: true });
    const rows = csv.text.trimEnd().split('\r\n');
    const total = await audit.recordCount(wsA);
    expect(csv.contentType).toBe('text/csv');
    expect(rows[0]!.split(',').slice(0, 2)).toEqual(['seq', 'event_id']);
    expect(rows.slice(1).map((row) => Number(row.split(',')[0]))).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const empty = await audit.exportText({ workspace_id: wsA, filter: { tenant_id: 'nobody' }, format: 'EXPORT_FORMAT_CSV' });
    expect(empty.text.trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('never returns another workspace’s records', async () => {
    const bIds = new Set(published.filter((e) => e.workspaceId === wsB).map((e) => e.id));
    const aEvent = published.find((e) => e.workspaceId === wsA)!;
    const { events } = await audit.client.ListAuditEvents({ workspace_id: wsB, page: { page_size: 500 } });
    expect(new Set(events.map((e) => e.event_id))).toEqual(bIds);
    expect((await audit.client.ListAuditEvents({ workspace_id: wsB, filter: { tenant_id: `${wsA}-tenant-0` } })).events).toEqual([]);
    expect(await error(audit.client.GetAuditEvent({ workspace_id: wsB, event_id: aEvent.id }))).toEqual({
      kind: 'not_found',
      code: 'AUDIT.EVENT_NOT_FOUND',
    });
    const exported = await audit.exportText({ workspace_id: wsB, format: 'EXPORT_FORMAT_NDJSON' });
    const exportedIds = exported.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { workspace_id: string; event_id: string });
    expect(new Set(exportedIds.map((line) => line.event_id))).toEqual(bIds);
    expect(exportedIds.every((line) => line.workspace_id === wsB)).toBe(true);
    expect(await audit.client.VerifyAuditChain({ workspace_id: wsB })).toMatchObject({ ok: true, records_checked: '30' });
  });

  it('answers a bad request with INVALID_ARGUMENT and a stable code', async () => {
    expect(await error(audit.client.ListAuditEvents({ workspace_id: '' }))).toEqual({ kind: 'invalid_argument', code: 'AUDIT.WORKSPACE_REQUIRED' });
    expect(await error(audit.client.ListAuditEvents({ workspace_id: wsA, page: { page_token: 'garbage' } }))).toEqual({
      kind: 'invalid_argument',
      code: 'AUDIT.INVALID_PAGE_TOKEN',
    });
    expect(await error(audit.client.ListAuditEvents({ workspace_id: wsA, filter: { occurred_from: 'last week' } }))).toEqual({
      kind: 'invalid_argument',
      code: 'AUDIT.INVALID_FILTER',
    });
    await expect(audit.exportText({ workspace_id: '' })).rejects.toMatchObject({ code: 3 });
  });
});
