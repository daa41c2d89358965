import { Schema } from 'mongoose';

/**
 * Transactional outbox without multi-document transactions: the events a change produces are
 * stored in the document the change inserts (a version, a record, a head), in the same insert, and
 * a relay publishes them afterwards (OutboxRelay, told by the writer which document it wrote). If
 * Kafka is down at commit time the events simply wait in the document. Events are never pushed
 * into a document that exists: an update is not atomic on FerretDB, and the relay's clear could
 * write back the document as it read it.
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
};

export interface OutboxDocument {
  outbox: OutboxEntry[];
  outboxPending: boolean;
}

export function outboxEntries<E extends StoredEvent>(topic: string, events: E[]): OutboxEntry<E>[] {
  return events.map((event) => ({ eventId: event.id, topic, event }));
}

/** The fields an inserted document carries so the events of its change are relayed. */
export function initialOutbox(entries: OutboxEntry[]): OutboxDocument {
  return { outbox: entries, outboxPending: entries.length > 0 };
}
