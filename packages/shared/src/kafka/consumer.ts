import { context, propagation, trace } from '@opentelemetry/api';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { parseEnvelope, type EventEnvelope } from './envelope';

export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
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
  handle(event: EventEnvelope, meta: MessageMeta): Promise<void>;
  /** A message that can never be handled (unparsable, invalid envelope). Default: log and skip. */
  onPoison?(message: PoisonMessage, reason: string): Promise<void>;
  /** Tries per message inside this process before the consumer restarts and Kafka redelivers. */
  handlerAttempts?: number;
  /** Partitions handled at once (each partition stays in order); default 1. */
  partitionsConsumedConcurrently?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return headers;
}

/**
 * A consumer that validates every message at the edge, runs the handler inside the producer's trace,
 * retries a failing handler a few times in place, and never lets one bad message stop the partition.
 */
export class EventConsumer {
  private consumer: Consumer | undefined;

  constructor(private readonly options: EventConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId, topics, fromBeginning = false } = this.options;
    const consumer = kafka.consumer({ groupId, sessionTimeout: 15_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachMessage: async ({ topic, partition, message }) => this.process({ topic, partition, offset: message.offset }, message),
    });
    this.consumer = consumer;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async process(meta: MessageMeta, message: KafkaMessage): Promise<void> {
    const { logger, handle, onPoison, handlerAttempts = 5 } = this.options;
    const headers = headersOf(message);
    const parsed = parseEnvelope(message.value);
    if (!parsed.ok) {
      logger.warn({ ...meta, reason: parsed.reason }, 'poison message skipped');
      await onPoison?.(
        { ...meta, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers },
        parsed.reason,
      );
      return;
    }
    const parent = trace.getSpan(context.active())
      ? context.active()
      : propagation.extract(context.active(), { traceparent: headers.traceparent ?? parsed.event.traceparent });
    for (let attempt = 1; ; attempt++) {
      try {
        await context.with(parent, () => handle(parsed.event, meta));
        return;
      } catch (err) {
        if (attempt >= handlerAttempts) {
          logger.error({ err, ...meta, eventId: parsed.event.id }, 'handler failed; leaving message for redelivery');
          throw err;
        }
        logger.warn({ err, ...meta, eventId: parsed.event.id, attempt }, 'handler failed; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
    }
  }
}
