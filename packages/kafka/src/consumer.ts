import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { reconnectBackoffMs, sleep } from '@tenantatlas/core';
import { parseEnvelope, type EventEnvelope } from './envelope';

export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
}

export interface DeliveredEvent {
  event: EventEnvelope;
  meta: MessageMeta;
}

export interface PoisonMessage extends MessageMeta {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  fromBeginning?: boolean;
  /** One event at a time (each partition in order). Give this or `handleBatch`. */
  handle?(event: EventEnvelope, meta: MessageMeta): Promise<void>;
  /**
   * A whole fetched batch of one partition at once, in order (poison messages already taken out).
   * Its offsets are committed only after this resolves; if it throws, Kafka delivers the batch
   * again, so the handler must be idempotent. The consumer keeps its group membership alive (a
   * heartbeat every second) while the handler runs, however long a large batch takes.
   */
  handleBatch?(events: DeliveredEvent[]): Promise<void>;
  /** A message that can never be handled (unparsable, invalid envelope). Default: log and skip. */
  onPoison?(message: PoisonMessage, reason: string): Promise<void>;
  /** Tries per message inside this process before the consumer restarts and Kafka redelivers. */
  handlerAttempts?: number;
  /** Partitions handled at once (each partition stays in order); default 1. */
  partitionsConsumedConcurrently?: number;
}

/**
 * Group membership timing. A member that sends no heartbeat for `sessionTimeout` is dropped (a
 * handler blocked that long counts as dead). A consumer that lost its broker rejoins as a new
 * member (kafkajs restarts it), while the restarted broker still lists the old member: the
 * coordinator waits for it at most `rebalanceTimeout` (kafkajs' default is 60 s; it would
 * otherwise wait out the old member's whole session) before it hands out the partitions again.
 * It must stay well above a fetch's long poll (kafkajs waits up to 5 s for data, and learns of a
 * rebalance only after it): at 3 s, members idling in a fetch missed every rejoin, were dropped,
 * rejoined and started the next rebalance, and two audit replicas never formed a stable group.
 */
export const CONSUMER_GROUP_TIMING = { sessionTimeout: 15_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000 } as const;

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return headers;
}

/**
 * The span of handling one message of a batch, continuing the producer's trace: the kafkajs
 * instrumentation starts a batch's spans in a trace of their own (only linked to the producers),
 * and a change's trace must reach every consumer that handled it.
 */
function processSpan(meta: MessageMeta, traceparent: string | undefined): Span {
  const parent = propagation.extract(ROOT_CONTEXT, traceparent ? { traceparent } : {});
  return trace.getTracer('@tenantatlas/shared').startSpan(
    `process ${meta.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': meta.topic,
        'messaging.destination.partition.id': String(meta.partition),
        'messaging.kafka.offset': meta.offset,
      },
    },
    parent,
  );
}

/**
 * A consumer that validates every message at the edge, runs the handler inside the producer's trace,
 * retries a failing handler a few times in place, and never lets one bad message stop the partition.
 */
export class EventConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;

  constructor(private readonly options: EventConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId, topics, fromBeginning = false } = this.options;
    this.stopped = false;
    const consumer = kafka.consumer({ groupId, ...CONSUMER_GROUP_TIMING, allowAutoTopicCreation: false });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts a consumer after a retriable error itself; after any other it stays
      // stopped for good, and the service would silently stop consuming once the broker is back
      if (payload.restart || this.stopped || this.consumer !== consumer) return;
      this.options.logger.error({ err: payload.error, groupId }, 'consumer stopped on an error kafkajs does not retry; starting it again');
      void this.startAgain();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning });
      this.consumer = consumer;
      const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 1;
      if (this.options.handleBatch) {
        await consumer.run({
          partitionsConsumedConcurrently,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
            if (batch.messages.length === 0) return;
            await this.processBatch(batch.topic, batch.partition, batch.messages, heartbeat);
            // only now is every message of the batch stored: a crash before this redelivers them
            resolveOffset(batch.messages.at(-1)!.offset);
            await commitOffsetsIfNecessary();
          },
        });
      } else {
        await consumer.run({
          partitionsConsumedConcurrently,
          eachMessage: async ({ topic, partition, message }) => this.process({ topic, partition, offset: message.offset }, message),
        });
      }
    } catch (err) {
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async startAgain(): Promise<void> {
    const crashed = this.consumer;
    this.consumer = undefined;
    await crashed?.disconnect().catch(() => undefined);
    for (let failures = 1; !this.stopped; failures++) {
      await sleep(reconnectBackoffMs(failures));
      if (this.stopped) return;
      try {
        await this.start();
        return;
      } catch (err) {
        if (failures === 1) this.options.logger.warn({ err, groupId: this.options.groupId }, 'consumer cannot start yet; will retry');
      }
    }
  }

  /** The message's envelope, or null once a poison message has been passed to `onPoison`. */
  private async envelopeOf(meta: MessageMeta, message: KafkaMessage): Promise<EventEnvelope | null> {
    const parsed = parseEnvelope(message.value);
    if (parsed.ok) return parsed.event;
    this.options.logger.warn({ ...meta, reason: parsed.reason }, 'poison message skipped');
    await this.options.onPoison?.(
      { ...meta, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: headersOf(message) },
      parsed.reason,
    );
    return null;
  }

  private async process(meta: MessageMeta, message: KafkaMessage): Promise<void> {
    const event = await this.envelopeOf(meta, message);
    if (!event) return;
    const headers = headersOf(message);
    const parent = trace.getSpan(context.active())
      ? context.active()
      : propagation.extract(context.active(), { traceparent: headers.traceparent ?? event.traceparent });
    await this.withRetries({ ...meta, eventId: event.id }, () => context.with(parent, () => this.options.handle!(event, meta)));
  }

  private async processBatch(topic: string, partition: number, messages: KafkaMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const events: DeliveredEvent[] = [];
    const spans: Span[] = [];
    for (const message of messages) {
      const meta = { topic, partition, offset: message.offset };
      const event = await this.envelopeOf(meta, message);
      if (!event) continue;
      events.push({ event, meta });
      spans.push(processSpan(meta, headersOf(message).traceparent ?? event.traceparent));
    }
    if (events.length === 0) return;
    const where = { topic, partition, firstOffset: messages[0]!.offset, messages: messages.length };
    const beating = setInterval(() => void heartbeat().catch(() => undefined), CONSUMER_GROUP_TIMING.heartbeatInterval);
    try {
      await this.withRetries(where, () => this.options.handleBatch!(events));
    } catch (err) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
      throw err;
    } finally {
      clearInterval(beating);
      for (const span of spans) span.end();
    }
  }

  private async withRetries(where: Record<string, unknown>, work: () => Promise<void>): Promise<void> {
    const { logger, handlerAttempts = 5 } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (err) {
        if (attempt >= handlerAttempts) {
          logger.error({ err, ...where }, 'handler failed; leaving message for redelivery');
          throw err;
        }
        logger.warn({ err, ...where, attempt }, 'handler failed; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
    }
  }
}
