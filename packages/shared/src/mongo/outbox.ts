import { Schema, type Model, type UpdateQuery } from 'mongoose';
import type { Logger } from 'pino';
import { reconnectBackoffMs } from '../kafka/client';
import type { EventEnvelope } from '../kafka/envelope';
import type { EventPublisher } from '../kafka/publisher';

/**
 * Transactional outbox without multi-document transactions: the events a change produces are
 * pushed into the changed document in the same single-document write, and a relay publishes them
 * afterwards. If Kafka is down at commit time the events simply wait in the document.
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

/**
 * A service kicks its relay after each of its own writes, so the poll only finds what nobody
 * kicked for (another replica died between its write and the publish). Each poll is a query per
 * collection that FerretDB answers by scanning it, so it is not made often.
 */
const DEFAULT_POLL_MS = 2_000;

export interface OutboxRelayOptions {
  models: Model<any>[];
  publisher: EventPublisher;
  logger: Logger;
  /** how often to look for pending events when nobody kicked the relay (DEFAULT_POLL_MS) */
  pollMs?: number;
  batchSize?: number;
  /**
   * Runs the relay's clearing write under the same per-document lock as the service's own writes
   * (see DocumentLocks: needed on FerretDB, harmless on MongoDB). Optional.
   */
  locks?: { run<T>(id: unknown, write: () => Promise<T>): Promise<T> };
}

export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a local write so its events go out now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops after the current batch; anything left stays in the documents for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Documents with events not yet published (the outbox backlog metric). */
  async backlog(): Promise<number> {
    let total = 0;
    for (const model of this.options.models) total += await model.countDocuments({ outboxPending: true });
    return total;
  }

  /** Publishes one batch per model; returns how many events went out. */
  async relayOnce(): Promise<number> {
    let published = 0;
    for (const model of this.options.models) {
      const docs = await model
        .find({ outboxPending: true }, { _id: 1 })
        .limit(this.options.batchSize ?? 100)
        .lean<{ _id: unknown }[]>();
      for (const doc of docs) published += await this.drain(model, doc._id);
    }
    return published;
  }

  /** Publishes a document's pending events in order, then clears them unless more were pushed. */
  private async drain(model: Model<any>, id: unknown): Promise<number> {
    const sent = new Set<string>();
    for (;;) {
      const doc = await model
        .findById(id, { outbox: 1, outboxVersion: 1 })
        .lean<{ outbox?: OutboxEntry[]; outboxVersion?: number } | null>();
      if (!doc) return sent.size;
      const fresh = (doc.outbox ?? []).filter((entry) => !sent.has(entry.eventId));
      if (fresh.length > 0) {
        await this.options.publisher.publish(fresh.map(({ topic, event }) => ({ topic, event })));
        for (const entry of fresh) sent.add(entry.eventId);
      }
      const clear = () =>
        model.updateOne(
          { _id: id, outboxVersion: doc.outboxVersion ?? { $exists: false } },
          { $set: { outbox: [], outboxPending: false } },
        ).exec();
      const cleared = this.options.locks ? await this.options.locks.run(id, clear) : await clear();
      if (cleared.matchedCount === 1) return sent.size;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.kicked = false;
        const published = await this.relayOnce();
        failures = 0;
        if (published > 0 || this.kicked) continue;
        await this.sleep(this.options.pollMs ?? DEFAULT_POLL_MS);
      } catch (err) {
        failures++;
        // One warning per outage, not one per poll.
        if (failures === 1) this.options.logger.warn({ err }, 'outbox relay cannot publish; will retry');
        await this.sleep(reconnectBackoffMs(failures));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}
