import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import {
  createEvent,
  EventConsumer,
  EventPublisher,
  ensureTopics,
  parseEnvelope,
  type EventEnvelope,
  type EventType,
  type PoisonMessage,
} from '@tenantatlas/kafka';
import { testInfra, uniqueName, waitFor } from '../index';

const logger = pino({ level: 'silent' });
const infra = testInfra();

describe('Kafka helpers against the real broker', () => {
  const kafka = new Kafka({ clientId: 'kafka-itest', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const publisher = new EventPublisher(kafka);
  const consumers: EventConsumer[] = [];
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await publisher.stop();
  });

  function event(tenantId: string, data: Record<string, unknown> = {}) {
    return createEvent({
      type: 'tenantatlas.test.happened' as EventType, // outside the catalog: the plumbing is type-agnostic
      source: 'kafka-itest',
      subject: 'test/1',
      workspaceId: 'ws-1',
      tenantId,
      actor: { kind: 'user', userId: 'user-1' },
      data,
    });
  }

  it('delivers the event as a structured-mode CloudEvent with its traceparent intact', async () => {
    const topic = uniqueName('itest.events');
    await ensureTopics(kafka, [topic]);
    const received: { value: string; headers: Record<string, string> }[] = [];
    const raw = kafka.consumer({ groupId: uniqueName('raw') });
    await raw.connect();
    await raw.subscribe({ topic, fromBeginning: true });
    await raw.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        received.push({ value: String(message.value), headers });
      },
    });
    const sent = { ...event('tenant-a', { n: 1 }), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await publisher.publish([{ topic, event: sent }]);

    await waitFor(() => received.length === 1, { what: 'the message' });
    await raw.disconnect();
    expect(parseEnvelope(received[0]!.value)).toEqual({ ok: true, event: sent });
    expect(JSON.parse(received[0]!.value)).toMatchObject({
      specversion: '1.0',
      id: sent.id,
      type: 'tenantatlas.test.happened',
      workspaceid: 'ws-1',
      tenantid: 'tenant-a',
      actorkind: 'user',
      actorid: 'user-1',
      datacontenttype: 'application/json',
      traceparent: sent.traceparent,
    });
    expect(received[0]!.headers).toEqual({ 'content-type': 'application/cloudevents+json; charset=UTF-8', traceparent: sent.traceparent });
  });

  it('keeps one tenant’s events in order and hands poison messages aside without stopping', async () => {
    const topic = uniqueName('itest.events');
    await ensureTopics(kafka, [topic]);
    const handled: number[] = [];
    const poison: { message: PoisonMessage; reason: string }[] = [];
    const consumer = new EventConsumer({
      kafka,
      groupId: uniqueName('group'),
      topics: [topic],
      fromBeginning: true,
      logger,
      handle: async (e) => void handled.push(e.data.n as number),
      onPoison: async (message, reason) => void poison.push({ message, reason }),
    });
    consumers.push(consumer);
    await consumer.start();

    await publisher.publish([1, 2, 3].map((n) => ({ topic, event: event('tenant-b', { n }) })));
    const producer = kafka.producer();
    await producer.connect();
    // a producer of the previous release, mid rolling upgrade: the old envelope is still handled
    const previous = JSON.stringify(event('tenant-b', { n: 4 }));
    await producer.send({
      topic,
      messages: [
        { key: 'tenant-b', value: 'not json at all' },
        { key: 'tenant-b', value: '{"id":"x"}' },
        { key: 'tenant-b', value: previous, headers: { 'ce-id': 'x', 'ce-type': 'y' } },
      ],
    });
    await producer.disconnect();
    await publisher.publish([{ topic, event: event('tenant-b', { n: 5 }) }]);

    await waitFor(() => handled.length === 5 && poison.length === 2, { what: 'all messages' });
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    expect(poison.map((p) => p.reason)).toEqual(['not JSON', expect.stringMatching(/^invalid envelope/)]);
    expect(poison[0]!.message.value).toBe('not json at all');
  });
});
