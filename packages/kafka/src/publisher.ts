import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { toKafkaMessage } from './cloud-event';
import { eventKey, type EventEnvelope } from './envelope';

export interface OutgoingEvent {
  topic: string;
  event: EventEnvelope;
}

/**
 * Idempotent producer of events as CloudEvents (structured mode). Messages are keyed by tenant and
 * carry the event's trace context as a `traceparent` header. Connects lazily and reconnects after
 * a failed send, so a broker outage only delays publishing (the outbox keeps what was not sent).
 */
export class EventPublisher {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly kafka: Kafka) {}

  async publish(events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const producer = await this.connected();
    try {
      // The kafkajs instrumentation makes the send span a child of the active context and writes
      // its traceparent header, so each run of events is sent inside the trace that produced it
      // (the outbox relay itself runs outside any request). Runs are sent in order.
      for (const run of runsByTrace(events)) {
        const origin = run[0]!.event.traceparent;
        const ctx = origin ? propagation.extract(ROOT_CONTEXT, { traceparent: origin }) : context.active();
        await context.with(ctx, () => this.send(producer, run));
      }
    } catch (err) {
      await this.reset();
      throw err;
    }
  }

  private async send(producer: Producer, events: OutgoingEvent[]): Promise<void> {
    const byTopic = new Map<string, OutgoingEvent[]>();
    for (const item of events) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
    await producer.sendBatch({
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, items]) => ({
        topic,
        messages: items.map(({ event }) => toKafkaMessage(event, eventKey(event))),
      })),
    });
  }

  async stop(): Promise<void> {
    await this.reset();
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Few retries: the outbox relay owns the backoff, and a send must not hang while Kafka is down.
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
      });
      try {
        await producer.connect();
        this.producer = producer;
        return producer;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/** Consecutive events that share a trace, in their original order. */
function runsByTrace(events: OutgoingEvent[]): OutgoingEvent[][] {
  const runs: OutgoingEvent[][] = [];
  for (const item of events) {
    const last = runs.at(-1);
    if (last && last[0]!.event.traceparent === item.event.traceparent) last.push(item);
    else runs.push([item]);
  }
  return runs;
}
