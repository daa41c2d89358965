import { lazyInstrument } from '@tenantatlas/core';
import { eventKey, toKafkaMessage, type DeliveredEvent } from '@tenantatlas/kafka';
import { isDuplicateKeyError } from '@tenantatlas/store';
import type { Kafka, Producer } from 'kafkajs';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { DeadLetter, DeadLetterSink } from '../../app/ports';
import type { DeadLetterDocument } from '../mongo/audit-record.schema';

/** `tenantatlas_audit_dead_lettered_total{topic}` */
const deadLetteredCounter = lazyInstrument((meter) =>
  meter.createCounter('tenantatlas_audit_dead_lettered_total', {
    description: 'Messages audit could not record and sent to the dead-letter topic',
  }),
);

/**
 * Sends a message audit cannot record to the dead-letter topic, unchanged (same key, value and
 * headers) plus headers saying where it came from and why, then notes its position in MongoDB so
 * the count survives restarts and a redelivered poison message is counted once. Sends go out one
 * at a time in the order they were asked for (the consumer hands a whole batch over at once), so
 * the dead-letter topic keeps the order of the partitions they came from.
 */
export class DeadLetterTopic implements DeadLetterSink {
  private producer: Producer | undefined;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly store: Model<DeadLetterDocument>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  send(message: DeadLetter, reason: string): Promise<void> {
    const sent = this.last.then(() => this.sendNow(message, reason));
    this.last = sent.catch(() => undefined);
    return sent;
  }

  /** An event of the previous envelope is dead-lettered in the current format (a CloudEvent). */
  sendEvent({ event, meta }: DeliveredEvent, reason: string): Promise<void> {
    this.logger.warn({ ...meta, eventId: event.id, type: event.type }, 'event sent to the dead-letter topic');
    return this.send({ ...meta, ...toKafkaMessage(event, eventKey(event)) }, reason);
  }

  private async sendNow(message: DeadLetter, reason: string): Promise<void> {
    if (!this.producer) throw new Error('dead-letter producer is not started');
    await this.producer.send({
      topic: this.topic,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'x-dead-letter-reason': reason,
            'x-original-topic': message.topic,
            'x-original-partition': String(message.partition),
            'x-original-offset': message.offset,
          },
        },
      ],
    });
    try {
      await this.store.create({
        _id: `${message.topic}:${message.partition}:${message.offset}`,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        reason,
        at: new Date(),
      });
      deadLetteredCounter().add(1, { topic: message.topic });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  async count(): Promise<number> {
    return this.store.countDocuments({});
  }
}
