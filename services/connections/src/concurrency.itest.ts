import { parseEnvelope, type EventEnvelope } from '@tenantatlas/kafka';
import { spreadCalls, tally, waitFor } from '@tenantatlas/testing';
import { guid, startHarness, USER, type Harness, type Replica } from './testing/harness';

/**
 * Two connections processes (replicas, as the Helm chart runs them) on one FerretDB and one
 * Kafka: concurrent changes of one connection, and concurrent moves of one tenant's default,
 * split across both. Each version is won by exactly one change; the others are told
 * CONNECTION.CONFLICT; what was won is what is stored and what was published, nothing more or less.
 */
const WS = 'ws-connections-concurrency';
const CALLS = 100;
/** Correctness under contention is the point, not speed: no call is cut short by its deadline. */
const PATIENT = { timeoutMs: 170_000 };

describe('connections under concurrent changes from two processes', () => {
  let h: Harness;
  let replica: Replica;
  const clients = () => [h.client, replica.client];

  beforeAll(async () => {
    h = await startHarness();
    replica = await h.startReplica();
  });
  afterAll(() => h?.stop());

  /** Published events, each once: delivery is at least once and consumers dedupe by event id. */
  const published = (filter: (e: EventEnvelope) => boolean): EventEnvelope[] => {
    const events = h.messages.map((m) => parseEnvelope(m)).flatMap((p) => (p.ok && filter(p.event) ? [p.event] : []));
    return [...new Map(events.map((e) => [e.id, e])).values()];
  };

  const create = async (tenantId: string, display_name: string) =>
    (await h.client.CreateConnection({ workspace_id: WS, actor: USER, tenant_id: tenantId, display_name, client_id: guid(), target_tenant_id: guid(), client_secret: 'not-a-real-secret' })).connection!;

  it('gives each version of a connection to exactly one of 100 concurrent edits, and publishes exactly the winners', async () => {
    const created = await create(await h.tenants.create(WS), 'original');
    const outcomes = await spreadCalls(clients(), CALLS, (client, i) =>
      client.UpdateConnection({ workspace_id: WS, actor: USER, connection_id: created.id, display_name: `edit-${i}` }, PATIENT).then((r) => r.connection!),
    );
    const { won: wins, refused: losses, wonBy } = tally(outcomes, 2);
    console.log(`edits: ${wins.length} won (${wonBy.join(' + ')} by process 1 + 2), ${losses.length} refused`);

    expect(losses).toEqual(losses.map(() => 'conflict CONNECTION.CONFLICT'));
    // versions 2..n+1, each won once: no two edits wrote over the same version
    expect(wins.map((c) => c.version).sort((a, b) => a - b)).toEqual(wins.map((_, i) => i + 2));
    const last = wins.reduce((a, b) => (a.version > b.version ? a : b));
    const stored = (await replica.client.GetConnection({ workspace_id: WS, connection_id: created.id, tenant_id: '' })).connection!;
    expect(stored).toMatchObject({ version: wins.length + 1, display_name: last.display_name });

    const updated = await waitFor(
      () => {
        const events = published((e) => e.subject === `connection/${created.id}` && e.type.endsWith('.updated'));
        return events.length >= wins.length ? events : undefined;
      },
      { timeoutMs: 60_000, what: `${wins.length} updated events` },
    );
    expect(updated).toHaveLength(wins.length);
    expect(updated.map((e) => (e.data as { after: { displayName: string } }).after.displayName).sort()).toEqual(wins.map((c) => c.display_name).sort());
  });

  it('leaves exactly one default after 100 concurrent moves of one tenant’s default, each move published once', async () => {
    const tenantId = await h.tenants.create(WS);
    const first = await create(tenantId, 'first');
    const others: string[] = [];
    for (let batch = 0; batch < CALLS / 10; batch++) {
      const made = await Promise.all(Array.from({ length: 10 }, (_, k) => create(tenantId, `c${batch * 10 + k}`)));
      others.push(...made.map((c) => c.id));
    }
    const outcomes = await spreadCalls(clients(), CALLS, (client, i) =>
      client.SetDefaultConnection({ workspace_id: WS, actor: USER, connection_id: others[i]! }, PATIENT).then((r) => r.connection!.id),
    );
    const { won: winners, refused: losses } = tally(outcomes, 2);
    console.log(`default moves: ${winners.length} won, ${losses.length} refused`);
    expect(losses).toEqual(losses.map(() => 'conflict CONNECTION.CONFLICT'));
    expect(winners.length).toBeGreaterThan(0);

    const listed = (await h.client.ListConnections({ workspace_id: WS, tenant_id: tenantId, page: { page_size: 200, page_token: '' } })).connections;
    expect(listed).toHaveLength(CALLS + 1);
    const defaults = listed.filter((c) => c.is_default).map((c) => c.id);
    expect(defaults).toHaveLength(1);

    // every move displaced the default before it: the displaced ones and the last default are
    // exactly the first default and the winners, each once
    const moves = await waitFor(
      () => {
        const events = published((e) => e.tenantId === tenantId && e.type.endsWith('.default_changed'));
        return events.length >= 2 * winners.length ? events : undefined;
      },
      { timeoutMs: 60_000, what: `${2 * winners.length} default_changed events` },
    );
    const outcome = (o: string) => moves.filter((e) => (e.data as { outcome: string }).outcome === o).map((e) => (e.data as { connectionId: string }).connectionId);
    expect(outcome('default').sort()).toEqual([...winners].sort());
    const displaced = outcome('not_default');
    expect(new Set(displaced).size).toBe(winners.length);
    expect([...displaced, ...defaults].sort()).toEqual([first.id, ...winners].sort());
    console.log(`default_changed events: ${moves.length} (${winners.length} made default, ${displaced.length} displaced)`);
  });
});
