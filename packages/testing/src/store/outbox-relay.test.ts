import type { Model } from 'mongoose';
import pino from 'pino';
import type { EventPublisher } from '@tenantatlas/kafka';
import { waitFor } from '../index';
import { OutboxRelay, trackAfter } from '@tenantatlas/store';
import type { OutboxEntry } from '@tenantatlas/store';

interface Doc {
  _id: string;
  outbox: OutboxEntry[];
  outboxPending: boolean;
}

/**
 * The slice of a mongoose model the relay uses, over a map: reads by `_id`, the clear, and the
 * pending-documents query (counted: on FerretDB it is a scan of the collection).
 */
class Store {
  readonly docs = new Map<string, Doc>();
  scans = 0;
  reads = 0;
  /** when set, a scan answers only once this resolves (a scan of a large collection takes seconds) */
  scanGate: Promise<void> | undefined;
  /** when set, a clear answers only once this resolves; when it rejects, the clear fails */
  clearGate: Promise<void> | undefined;
  clears = 0;

  entry(id: string, n: number): OutboxEntry {
    return { eventId: `${id}#${n}`, topic: 't', event: { id: `${id}#${n}` } as never };
  }

  /** Holds every clear until the returned function is called. */
  holdClears(): () => void {
    let release!: () => void;
    this.clearGate = new Promise((resolve) => (release = resolve));
    return release;
  }

  /** the insert of document `id` with its one event */
  write(id: string, n: number): void {
    this.docs.set(id, { _id: id, outbox: [this.entry(id, n)], outboxPending: true });
  }

  model(): Model<any> {
    const lean = <T>(value: T) => ({ lean: async () => structuredClone(value) });
    return {
      modelName: 'Doc',
      collection: { collectionName: 'docs' },
      findById: (id: string) => {
        this.reads++;
        return lean(this.docs.get(id) ?? null);
      },
      find: () => {
        this.scans++;
        const pending = [...this.docs.values()].filter((d) => d.outboxPending).map((d) => ({ _id: d._id }));
        const gate = this.scanGate;
        const query = {
          sort: () => query,
          limit: (n: number) => ({ lean: async () => (await gate, structuredClone(pending.slice(0, n))) }),
        };
        return query;
      },
      updateOne: (filter: { _id: string }) => ({
        exec: async () => {
          this.clears++;
          await this.clearGate;
          const doc = this.docs.get(filter._id);
          if (!doc) return { matchedCount: 0 };
          this.docs.set(filter._id, { ...doc, outbox: [], outboxPending: false });
          return { matchedCount: 1 };
        },
      }),
    } as unknown as Model<any>;
  }
}

class Kafka {
  readonly sent: string[] = [];
  down = false;
  /** when set, a send answers only once this resolves (a slow broker) */
  sendGate: Promise<void> | undefined;
  publisher(): EventPublisher {
    return {
      publish: async (events: { event: { id: string } }[]) => {
        await this.sendGate;
        if (this.down) throw new Error('broker unreachable');
        this.sent.push(...events.map((e) => e.event.id));
      },
    } as unknown as EventPublisher;
  }
}

/** A logger that keeps the messages of its warnings. */
function warningsLog() {
  const warnings: string[] = [];
  return { warnings, logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) }) };
}

describe('OutboxRelay', () => {
  let relay: OutboxRelay | undefined;
  afterEach(async () => relay?.stop());

  function start(store: Store, kafka: Kafka, logger = pino({ level: 'silent' })) {
    const model = store.model();
    relay = new OutboxRelay({ models: [model], publisher: kafka.publisher(), logger });
    relay.start();
    return model;
  }

  it('publishes a tracked write by reading that document, without searching the collection', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const model = start(store, kafka);
    await waitFor(() => relay!.backlog().get('docs') === 0 && store.scans === 1, { what: 'the start pass' });

    store.write('a', 1);
    relay!.track(model, 'a');
    await waitFor(() => kafka.sent.length === 1, { what: 'a#1 published' });
    expect(kafka.sent).toEqual(['a#1']);
    expect(relay!.backlog().get('docs')).toBe(0);
    await waitFor(() => store.docs.get('a')?.outboxPending === false, { what: 'a cleared' });
    expect(store.docs.get('a')).toMatchObject({ outbox: [] });
    // the start pass was the only query over the collection
    expect(store.scans).toBe(1);
  });

  it('publishes fresh writes while its start pass is still searching the collection, then what the pass finds', async () => {
    const store = new Store();
    const kafka = new Kafka();
    let finishScan!: () => void;
    store.scanGate = new Promise((resolve) => (finishScan = resolve));
    store.write('left', 1);
    const model = start(store, kafka);
    await waitFor(() => store.scans === 1, { what: 'the start pass searching' });

    store.write('fresh', 1);
    relay!.track(model, 'fresh');
    await waitFor(() => kafka.sent.length === 1, { what: 'fresh#1 published during the pass' });
    expect(kafka.sent).toEqual(['fresh#1']);

    finishScan();
    await waitFor(() => kafka.sent.length === 2, { what: 'left#1 published after the pass' });
    expect(kafka.sent).toEqual(['fresh#1', 'left#1']);
  });

  it('keeps a document tracked while Kafka is down, warns once, and publishes it once Kafka is back', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const { warnings, logger } = warningsLog();
    kafka.down = true;
    const model = start(store, kafka, logger);
    store.write('c', 1);
    relay!.track(model, 'c');
    store.write('c2', 2);
    relay!.track(model, 'c2');
    await waitFor(() => warnings.length > 0, { what: 'a warning' });
    expect(relay!.backlog().get('docs')).toBe(2);

    kafka.down = false;
    await waitFor(() => relay!.backlog().get('docs') === 0, { timeoutMs: 30_000, what: 'c published' });
    expect(kafka.sent).toEqual(['c#1', 'c2#2']);
    expect(warnings).toEqual(['outbox relay cannot publish; will retry']);
  });

  it('finds at its start what a process that died before publishing left', async () => {
    const store = new Store();
    const kafka = new Kafka();
    store.write('d', 1);
    store.write('e', 1);
    start(store, kafka);
    await waitFor(() => kafka.sent.length === 2, { what: 'the leftovers published' });
    expect(kafka.sent.sort()).toEqual(['d#1', 'e#1']);
  });

  it('is told about a write whose answer was lost, and publishes it if the write committed', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const model = start(store, kafka);
    const lostAnswer = trackAfter(relay!, model, 'f', async () => {
      store.write('f', 1); // committed, but the connection dropped before the answer came back
      throw new Error('connection closed');
    });
    await expect(lostAnswer).rejects.toThrow('connection closed');
    await waitFor(() => kafka.sent.length === 1, { what: 'f#1 published' });
    expect(kafka.sent).toEqual(['f#1']);
  });

  it('publishes the events an insert stored as its writer handed them over, without reading the document', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const model = start(store, kafka);
    await waitFor(() => store.scans === 1, { what: 'the start pass' });

    const inserted = trackAfter(relay!, model, 'g', async () => store.write('g', 1), [store.entry('g', 1)]);
    await inserted;
    await waitFor(() => store.docs.get('g')?.outboxPending === false, { what: 'g published and cleared' });
    expect(kafka.sent).toEqual(['g#1']);
    expect(store.reads).toBe(0);

    // a write whose answer was lost hands nothing over: the relay reads what it stored
    await expect(
      trackAfter(relay!, model, 'h', async () => {
        store.write('h', 1);
        throw new Error('connection closed');
      }, [store.entry('h', 1)]),
    ).rejects.toThrow('connection closed');
    await waitFor(() => kafka.sent.length === 2, { what: 'h#1 published' });
    expect(kafka.sent).toEqual(['g#1', 'h#1']);
    expect(store.reads).toBe(1);
  });

  it('publishes every next write while the clears of the earlier ones are still under way, and each once', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const model = start(store, kafka);
    await waitFor(() => store.scans === 1, { what: 'the start pass' });
    const finishClears = store.holdClears();

    // one write at a time, each its own batch: none waits for the clears of those before it
    for (const id of ['i', 'j', 'k']) {
      store.write(id, 1);
      relay!.track(model, id, [store.entry(id, 1)]);
      await waitFor(() => kafka.sent.includes(`${id}#1`), { what: `${id}#1 published while the earlier ones are being cleared` });
    }
    expect([...store.docs.values()].map((d) => d.outboxPending)).toEqual([true, true, true]);
    // published: nothing waits to go out, whatever the clears do
    expect(relay!.backlog().get('docs')).toBe(0);

    finishClears();
    await waitFor(() => [...store.docs.values()].every((d) => !d.outboxPending), { what: 'all cleared' });
    expect(kafka.sent).toEqual(['i#1', 'j#1', 'k#1']);
    expect([...store.docs.values()].map((d) => d.outboxPending)).toEqual([false, false, false]);
  });

  it('backs off when a clear fails, keeps the document, and clears it without publishing it again', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const { warnings, logger } = warningsLog();
    const model = start(store, kafka, logger);
    await waitFor(() => store.scans === 1, { what: 'the start pass' });
    store.clearGate = Promise.reject(new Error('database unreachable'));
    store.clearGate.catch(() => undefined);

    store.write('k', 1);
    relay!.track(model, 'k', [store.entry('k', 1)]);
    await waitFor(() => warnings.length > 0, { what: 'a warning' });
    expect(relay!.backlog().get('docs')).toBe(1);

    store.clearGate = undefined;
    await waitFor(() => store.docs.get('k')?.outboxPending === false, { timeoutMs: 30_000, what: 'k cleared' });
    expect(kafka.sent).toEqual(['k#1']);
    expect(relay!.backlog().get('docs')).toBe(0);
  });

  it('forgets a document that is gone before its clear, once it reads it as gone, and stops', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const model = start(store, kafka);
    await waitFor(() => store.scans === 1, { what: 'the start pass' });
    const finishClears = store.holdClears();

    store.write('gone', 1);
    relay!.track(model, 'gone', [store.entry('gone', 1)]);
    await waitFor(() => kafka.sent.includes('gone#1'), { what: 'gone#1 published' });
    // another replica cleared it, and retention removed it, before this relay's clear ran
    store.docs.delete('gone');
    finishClears();

    await waitFor(() => store.reads === 1, { what: 'the document read again after a clear that found nothing' });
    await relay!.stop();
    relay = undefined;
    expect(store.clears).toBe(1);
    expect(kafka.sent).toEqual(['gone#1']);
  });

  it('publishes at its stop what was told after a clear failed, instead of giving up on the old failure', async () => {
    const store = new Store();
    const kafka = new Kafka();
    const { warnings, logger } = warningsLog();
    const model = start(store, kafka, logger);
    await waitFor(() => store.scans === 1, { what: 'the start pass' });
    let failClears!: (err: Error) => void;
    store.clearGate = new Promise((_, reject) => (failClears = reject));
    store.clearGate.catch(() => undefined);

    store.write('a', 1);
    relay!.track(model, 'a', [store.entry('a', 1)]);
    await waitFor(() => kafka.sent.includes('a#1'), { what: 'a#1 published, its clear under way' });
    // Kafka slows down: the relay is in the middle of sending b when a's clear fails
    let sendB!: () => void;
    kafka.sendGate = new Promise<void>((resolve) => (sendB = resolve));
    store.write('b', 1);
    relay!.track(model, 'b', [store.entry('b', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    failClears(new Error('database unreachable'));
    await waitFor(() => store.clears === 1 && relay!.backlog().get('docs') === 2, { what: 'a back among the unpublished after its failed clear' });
    store.clearGate = undefined;
    store.write('c', 1);
    relay!.track(model, 'c', [store.entry('c', 1)]);

    const stopped = relay!.stop();
    kafka.sendGate = undefined;
    sendB();
    await stopped;
    relay = undefined;
    expect(kafka.sent).toEqual(['a#1', 'b#1', 'c#1']);
    expect([...store.docs.values()].map((d) => [d._id, d.outboxPending])).toEqual([
      ['a', false],
      ['b', false],
      ['c', false],
    ]);
    expect(warnings).toEqual([]);
  });
});
