import { Schema, type UpdateQuery } from 'mongoose';

/**
 * Transactional outbox without multi-document transactions: the events a change produces are
 * pushed into the changed document in the same single-document write, and a relay publishes them
 * afterwards (OutboxRelay, told by the writer which document it wrote). If Kafka is down at commit time the events simply wait in the document.
 *
 * Every push bumps `outboxVersion`; the relay clears the outbox only while the version is the one
 * it read, so an event pushed meanwhile is never lost. (A guarded `$set` rather than `$pull` with a
 * condition, which FerretDB silently ignores.)
 */
/**
 * An event as the outbox keeps it until the relay publishes it: the transport's envelope (the kafka
 * package's EventEnvelope), opaque to the store but for its id; the store knows no transport.
 */
export interface StoredEvent {
  readonly id: string;
}

export interface OutboxEntry<E extends StoredEvent = StoredEvent> {
  eventId: string;
  topic: string;
  event: E;
}

const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    eventId: { type: String, required: true },
    topic: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
  },
  { _id: false },
);

/** Add to an aggregate's schema definition. */
export const outboxFields = {
  outbox: { type: [outboxEntrySchema], default: [] },
  outboxPending: { type: Boolean, default: false, index: true },
  outboxVersion: { type: Number, default: 0 },
};

export interface OutboxDocument {
  outbox: OutboxEntry[];
  outboxPending: boolean;
  outboxVersion: number;
}

export function outboxEntries<E extends StoredEvent>(topic: string, events: E[]): OutboxEntry<E>[] {
  return events.map((event) => ({ eventId: event.id, topic, event }));
}

/** Extends an update so it also records the events it produces. */
export function withOutbox<T>(update: UpdateQuery<T>, entries: OutboxEntry[]): UpdateQuery<T> {
  if (entries.length === 0) return update;
  const u = update as Record<string, Record<string, unknown> | undefined>;
  return {
    ...update,
    $set: { ...(u.$set ?? {}), outboxPending: true },
    $push: { ...(u.$push ?? {}), outbox: { $each: entries } },
    $inc: { ...(u.$inc ?? {}), outboxVersion: 1 },
  } as UpdateQuery<T>;
}

/** For inserts: the fields a new document carries so its creation events are relayed. */
export function initialOutbox(entries: OutboxEntry[]): OutboxDocument {
  return { outbox: entries, outboxPending: entries.length > 0, outboxVersion: entries.length > 0 ? 1 : 0 };
}
