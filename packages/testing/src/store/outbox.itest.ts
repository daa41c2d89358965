import { Kafka, logLevel } from 'kafkajs';
import { Schema, type Connection, type Model } from 'mongoose';
import pino from 'pino';
import { withRequestDeadline } from '@tenantatlas/core';
import {
  createEvent,
  ensureTopics,
  EventConsumer,
  EventPublisher,
  parseEnvelope,
  type EventEnvelope,
  type EventType,
} from '@tenantatlas/kafka';
import {
  connectMongo,
  databaseUnavailable,
  ensureIndexes,
  idempotent,
  initialOutbox,
  isDuplicateKeyError,
  outboxEntries,
  outboxFields,
  OutboxRelay,
  type OutboxRelayOptions,
  ProcessedEvents,
  QUERY_TIMED_OUT,
  type OutboxDocument,
} from '@tenantatlas/store';
import { DedicatedKafkaBroker, testInfra, uniqueName, waitFor } from '../index';

const logger = pino({ level: 'silent' });
const infra = testInfra();

interface Widget extends OutboxDocument {
  _id: string;
  workspaceId: string;
  name: string;
  count: number;
}

const widgetSchema = new Schema<Widget>({
  _id: String,
  workspaceId: { type: String, required: true },
  name: { type: String, required: true },
  count: { type: Number, default: 0 },
  ...outboxFields,
});
widgetSchema.index({ workspaceId: 1, name: 1 }, { unique: true });

function changed(id: string, n: number): EventEnvelope {
  return createEvent({
    type: 'tenantatlas.test.widget.changed' as EventType, // outside the catalog: the outbox is type-agnostic
    source: 'outbox-itest',
    subject: `widget/${id}`,
    workspaceId: 'ws-1',
    tenantId: id,
    actor: { kind: 'system', component: 'outbox-itest' },
    data: { n },
  });
}

async function readAll(kafka: Kafka, topic: string, expected: number): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => {
    const parsed = parseEnvelope(message.value);
    if (parsed.ok) seen.push(parsed.event);
  } });
  try {
    await waitFor(() => seen.length >= expected, { timeoutMs: 60_000, what: `${expected} events on ${topic}` });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('MongoDB plumbing on FerretDB', () => {
  let connection: Connection;
  let Widgets: Model<Widget>;

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('mongo-itest'));
    Widgets = connection.model<Widget>('Widget', widgetSchema);
    await ensureIndexes([Widgets]);
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('stores, updates and finds documents, and a unique index rejects a twin', async () => {
    await Widgets.create({ _id: 'w-1', workspaceId: 'ws-1', name: 'alpha' });
    await Widgets.updateOne({ _id: 'w-1' }, { $inc: { count: 2 } });
    expect(await Widgets.findById('w-1').lean()).toMatchObject({ name: 'alpha', count: 2, outboxPending: false });

    const twin = await Widgets.create({ _id: 'w-2', workspaceId: 'ws-1', name: 'alpha' }).catch((err: unknown) => err);
    expect(isDuplicateKeyError(twin)).toBe(true);
    await Widgets.create({ _id: 'w-3', workspaceId: 'ws-2', name: 'alpha' }); // other workspace: fine
    expect(await Widgets.countDocuments({ name: 'alpha' })).toBe(2);
  });

  it("stops a call's query at the call's deadline: DATABASE.QUERY_TIMED_OUT (a 503), not an internal error", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ _id: `many-${i}`, workspaceId: 'ws-many', name: `n-${i}`, outbox: [], outboxPending: false }));
    await Widgets.collection.insertMany(many as never[]);
    // exec() inside the call, as a handler awaiting its query does (a bare Query runs when awaited)
    const page = () => Widgets.find({ workspaceId: 'ws-many' }).sort({ name: -1 }).limit(50).lean().exec();
    // a sorted page over 20,000 documents: FerretDB reads them all, far longer than the 5 ms left
    const err = await withRequestDeadline(Date.now() + 5, page).catch((e: unknown) => e);
    expect(databaseUnavailable(err)).toMatchObject({ code: QUERY_TIMED_OUT, kind: 'unavailable' });
    const counted = await withRequestDeadline(Date.now() + 5, () => Widgets.countDocuments({ workspaceId: 'ws-many' }).exec()).catch((e: unknown) => e);
    expect(databaseUnavailable(counted)).toMatchObject({ code: QUERY_TIMED_OUT });
    // with time enough, and outside any call, the same query answers
    expect(await withRequestDeadline(Date.now() + 60_000, page)).toHaveLength(50);
    expect(await page()).toHaveLength(50);
  });
});

/** A write by a service: the change and its events in one update, then the relay told. */

describe('outbox relay', () => {
  const kafka = new Kafka({ clientId: 'relay-itest', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  let connection: Connection;
  let Widgets: Model<Widget>;
  const relays: OutboxRelay[] = [];
  const publisher = new EventPublisher(kafka);

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('relay-itest'));
    Widgets = connection.model<Widget>('Widget', widgetSchema);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });
  afterAll(async () => {
    await publisher.stop();
    await connection.dropDatabase();
    await connection.close();
  });

  function startRelay(options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    const relay = new OutboxRelay({ models: [Widgets], publisher, logger, ...options });
    relay.start();
    relays.push(relay);
    return relay;
  }

  async function newTopic(): Promise<string> {
    const topic = uniqueName('itest.widgets');
    await ensureTopics(kafka, [topic]);
    return topic;
  }

  it('publishes the events of a tracked write and clears them from the document', async () => {
    const topic = await newTopic();
    const relay = startRelay();
    const created = changed('t-1', 1);
    await Widgets.create({ _id: 't-1', workspaceId: 'ws-1', name: 't-1', ...initialOutbox(outboxEntries(topic, [created])) });
    relay.track(Widgets, 't-1');

    expect((await readAll(kafka, topic, 1)).map((e) => e.id)).toEqual([created.id]);
    await waitFor(async () => (await Widgets.findById('t-1').lean())?.outboxPending === false, { what: 't-1 cleared' });
    expect(await Widgets.findById('t-1').lean()).toMatchObject({ outbox: [], outboxPending: false });
    expect(relay.backlog().get(Widgets.collection.collectionName)).toBe(0);
  });

  it("publishes what a writer that died before telling its relay left, when the next relay starts", async () => {
    const topic = await newTopic();
    // written with their events, never tracked: the writer "crashed" right after its writes
    const first = [changed('c-1', 1), changed('c-1', 2)];
    const second = changed('c-2', 1);
    await Widgets.create({ _id: 'c-1', workspaceId: 'ws-1', name: 'c-1', ...initialOutbox(outboxEntries(topic, first)) });
    await Widgets.create({ _id: 'c-2', workspaceId: 'ws-1', name: 'c-2', ...initialOutbox(outboxEntries(topic, [second])) });

    startRelay();

    const delivered = await readAll(kafka, topic, 3);
    expect(delivered.map((e) => e.id).sort()).toEqual([...first, second].map((e) => e.id).sort());
    // a document's events in the order they were written
    expect(delivered.filter((e) => e.subject === 'widget/c-1').map((e) => e.id)).toEqual(first.map((e) => e.id));
    await waitFor(async () => (await Widgets.countDocuments({ _id: { $in: ['c-1', 'c-2'] }, outboxPending: true })) === 0, { what: 'c-1 and c-2 cleared' });
  });

  it('publishes every write beyond the writes it can remember, through one recovery pass', async () => {
    const topic = await newTopic();
    const relay = startRelay({ maxTracked: 2, batchSize: 2 });
    const events = Array.from({ length: 7 }, (_, i) => changed(`o-${i}`, i));
    for (const [i, event] of events.entries()) {
      await Widgets.create({ _id: `o-${i}`, workspaceId: 'ws-1', name: `o-${i}`, ...initialOutbox(outboxEntries(topic, [event])) });
      relay.track(Widgets, `o-${i}`);
    }

    const delivered = await readAll(kafka, topic, events.length);
    expect(new Set(delivered.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
    await waitFor(async () => (await Widgets.countDocuments({ name: /^o-/, outboxPending: true })) === 0, { what: 'o-* cleared' });
  });
});

describe('outbox relay with Kafka down at commit time', () => {
  const broker = new DedicatedKafkaBroker();
  let connection: Connection;
  let Widgets: Model<Widget>;
  let relay: OutboxRelay | undefined;
  let publisher: EventPublisher | undefined;
  const warnings: string[] = [];
  const watched = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) });

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('outbox-itest'));
    Widgets = connection.model<Widget>('Widget', widgetSchema);
    await broker.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await publisher?.stop();
    await broker.destroy();
    await connection.dropDatabase();
    await connection.close();
  });

  it('keeps the events of committed changes and publishes them once Kafka is back', async () => {
    const kafka = new Kafka({
      clientId: 'outbox-itest',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    const topic = uniqueName('itest.widgets');
    await ensureTopics(kafka, [topic]);
    publisher = new EventPublisher(kafka);
    relay = new OutboxRelay({ models: [Widgets], publisher, logger: watched });

    await broker.stop();
    relay.start();

    // Two committed changes while the broker is down, each the insert of a document with its event.
    const created = changed('w-1', 1);
    await Widgets.create({ _id: 'w-1', workspaceId: 'ws-1', name: 'beta', ...initialOutbox(outboxEntries(topic, [created])) });
    relay.track(Widgets, 'w-1');
    const updated = changed('w-1', 2);
    await Widgets.create({ _id: 'w-1:2', workspaceId: 'ws-1', name: 'beta 2', ...initialOutbox(outboxEntries(topic, [updated])) });
    relay.track(Widgets, 'w-1:2');
    await waitFor(() => warnings.includes('outbox relay cannot publish; will retry'), { timeoutMs: 60_000, what: 'the relay to find Kafka down' });
    expect(relay.backlog().get(Widgets.collection.collectionName)).toBe(2);
    expect((await Widgets.findById('w-1').lean())?.outbox.map((e) => e.eventId)).toEqual([created.id]);

    await broker.start();
    await waitFor(() => relay!.backlog().get(Widgets.collection.collectionName) === 0, { timeoutMs: 90_000, intervalMs: 250, what: 'the outbox to drain' });

    const delivered = await readAll(kafka, topic, 2);
    expect(delivered.map((e) => e.id)).toEqual([created.id, updated.id]);
    const cleared = async (id: string) => (await Widgets.findById(id).lean())?.outboxPending === false;
    await waitFor(async () => (await cleared('w-1')) && (await cleared('w-1:2')), { what: 'both outboxes cleared' });
    expect(await Widgets.findById('w-1').lean()).toMatchObject({ outbox: [] });
    expect(await Widgets.findById('w-1:2').lean()).toMatchObject({ outbox: [] });
    // one warning for the whole outage
    expect(warnings.filter((msg) => msg === 'outbox relay cannot publish; will retry')).toHaveLength(1);
  });
});

describe('idempotent consumer', () => {
  let connection: Connection;
  const kafka = new Kafka({ clientId: 'idem-itest', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka);
  let consumer: EventConsumer | undefined;

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('idem-itest'));
  });
  afterAll(async () => {
    await consumer?.stop();
    await publisher.stop();
    await connection.dropDatabase();
    await connection.close();
  });

  it('applies a redelivered event only once', async () => {
    const topic = uniqueName('itest.idem');
    await ensureTopics(kafka, [topic]);
    const Counters = connection.model('Counter', new Schema({ _id: String, total: Number }));
    await Counters.create({ _id: 'c', total: 0 });
    const store = new ProcessedEvents(connection, 'idem-itest');
    let deliveries = 0;
    consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('group'),
      topics: [topic],
      fromBeginning: true,
      logger,
      handle: async (event, meta) => {
        await apply(event, meta);
        deliveries++;
      },
      onPoison: async () => undefined,
    });
    const apply = idempotent(store, async (event: EventEnvelope) => {
      await Counters.updateOne({ _id: 'c' }, { $inc: { total: event.data.n as number } });
    });
    await consumer.start();

    const once = changed('c', 5);
    const other = changed('c', 7);
    // The same event three times (a relay retry, a replay) and another one once.
    await publisher.publish([once, once, other, once].map((event) => ({ topic, event })));

    await waitFor(() => deliveries === 4, { what: 'four deliveries' });
    expect((await Counters.findById('c').lean())?.total).toBe(12);
  });
});

