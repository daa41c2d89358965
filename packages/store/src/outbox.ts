import { Schema, type UpdateQuery } from 'mongoose';
import type { EventEnvelope } from '@tenantatlas/kafka';

/**
 * Transactional outbox without multi-document transactions: the events a change produces are
 * pushed into the changed document in the same single-document write, and a relay publishes them
 * afterwards (OutboxRelay, told by the writer which document it wrote). If Kafka is down at commit time the events simply wait in the document.
 *
 * Every push bumps `outboxVersion`; the relay clears the outbox only while the version is the one
 * it read, so an event pushed meanwhile is never lost. (A guarded `$set` rather than `$pull` with a
 * condition, which FerretDB silently ignores.)
 */
export interface OutboxEntry {
  eventId: string;
  topic: string;
  event: EventEnvelope;
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

export function outboxEntries(topic: string, events: EventEnvelope[]): OutboxEntry[] {
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
