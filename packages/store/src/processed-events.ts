import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './connection';
import type { StoredEvent } from './outbox';

interface ProcessedEvent {
  _id: string;
  consumer: string;
  processedAt: Date;
}

const processedEventSchema = new Schema<ProcessedEvent>(
  { _id: { type: String }, consumer: { type: String, required: true }, processedAt: { type: Date, required: true } },
  { collection: 'processed_events', versionKey: false },
);

/**
 * Remembers which event ids a consumer has fully handled, so a redelivery (rebalance, replay,
 * relay publishing twice) changes nothing a second time.
 */
export class ProcessedEvents {
  readonly model: Model<ProcessedEvent>;

  constructor(connection: Connection, private readonly consumer: string) {
    this.model = (connection.models.ProcessedEvent as Model<ProcessedEvent> | undefined) ??
      connection.model<ProcessedEvent>('ProcessedEvent', processedEventSchema);
  }

  async has(eventId: string): Promise<boolean> {
    return (await this.model.exists({ _id: this.key(eventId) })) !== null;
  }

  async mark(eventId: string): Promise<void> {
    try {
      await this.model.create({ _id: this.key(eventId), consumer: this.consumer, processedAt: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  private key(eventId: string): string {
    return `${this.consumer}:${eventId}`;
  }
}

/**
 * A consumer's handler of one event (the kafka package's EventEnvelope and MessageMeta); resolves
 * `false` when the event changed nothing (nothing to remember), anything else when it did.
 */
type Handler<E extends StoredEvent, M> = (event: E, meta: M) => Promise<void | boolean>;

/**
 * Skips events already handled. A crash between the handler and `mark` replays the handler once
 * more, so handlers must themselves be safe to repeat (ours recompute state from evidence). An
 * event the handler found nothing to do for (it says `false`) is not remembered: a redelivery
 * would find nothing either, and most events a consumer sees are of that kind (one write saved
 * each).
 */
export function idempotent<E extends StoredEvent, M>(store: ProcessedEvents, handler: Handler<E, M>): (event: E, meta: M) => Promise<void> {
  return async (event, meta) => {
    if (await store.has(event.id)) return;
    if ((await handler(event, meta)) === false) return;
    await store.mark(event.id);
  };
}
