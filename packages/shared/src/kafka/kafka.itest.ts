import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { createEvent, EventConsumer, EventPublisher, ensureTopics, type EventEnvelope, type PoisonMessage } from '../index';
import { testInfra, uniqueName, waitFor } from '../testing';

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
      type: 'tenantatlas.test.happened',
      source: 'kafka-itest',
      subject: 'test/1',
      workspaceId: 'ws-1',
      tenantId,
      actor: { kind: 'user', userId: 'user-1' },
      data,
    });
  }

  it('delivers the envelope with its id, type and traceparent headers intact', async () => {
    const topic = uniqueName('itest.events');
    await ensureTopics(kafka, [topic]);
    const received: { event: EventEnvelope; headers: Record<string, string> }[] = [];
    const raw = kafka.consumer({ groupId: uniqueName('raw') });
    await raw.connect();
    await raw.subscribe({ topic, fromBeginning: true });
    await raw.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        received.push({ event: JSON.parse(String(message.value)) as EventEnvelope, headers });
      },
    });
    const sent = { ...event('tenant-a', { n: 1 }), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await publisher.publish([{ topic, event: sent }]);

    await waitFor(() => received.length === 1, { what: 'the message' });
    await raw.disconnect();
    expect(received[0]!.event).toEqual(sent);
    expect(received[0]!.headers).toMatchObject({
      'ce-id': sent.id,
      'ce-type': 'tenantatlas.test.happened',
      traceparent: sent.traceparent,
    });
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
    await producer.send({ topic, messages: [{ key: 'tenant-b', value: 'not json at all' }, { key: 'tenant-b', value: '{"id":"x"}' }] });
    await producer.disconnect();
    await publisher.publish([{ topic, event: event('tenant-b', { n: 4 }) }]);

    await waitFor(() => handled.length === 4 && poison.length === 2, { what: 'all messages' });
    expect(handled).toEqual([1, 2, 3, 4]);
    expect(poison.map((p) => p.reason)).toEqual(['not JSON', expect.stringMatching(/^invalid envelope/)]);
    expect(poison[0]!.message.value).toBe('not json at all');
  });
});
