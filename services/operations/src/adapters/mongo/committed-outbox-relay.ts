import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { reconnectBackoffMs, type EventPublisher, type OutboxEntry } from '@tenantatlas/shared';

interface Pending {
  model: Model<any>;
  id: string;
  /** event ids of this document already published (its clear may have lost to a newer push) */
  sent: Set<string>;
}

const MAX_TRACKED = 10_000;
/** documents read and published together: one Kafka send for all their events, in commit order */
const BATCH = 200;

/**
 * Publishes the outbox of documents this process just wrote, reading each by `_id`. The shared
 * OutboxRelay finds pending documents with a query, which FerretDB answers by scanning the whole
 * collection; here it only sweeps up leftovers (another replica's crash, an overflow) at a slow
 * poll, and this relay carries the normal flow. Both may publish an event; delivery is at least
 * once either way. Only for documents whose events are written once, at their insert.
 */
export class CommittedOutboxRelay {
  private readonly pending = new Map<string, Pending>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /** Called after a write that stored outbox entries in document `id` of `model`. */
  track(model: Model<any>, id: string): void {
    if (this.pending.size >= MAX_TRACKED) return; // the polling relay will find it
    const key = `${model.modelName}:${id}`;
    if (!this.pending.has(key)) this.pending.set(key, { model, id, sent: new Set() });
    this.wake?.();
  }

  kick(): void {
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Publishes what is still tracked (bounded by the caller's shutdown timeout), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.drainAll().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      if (this.pending.size === 0) {
        await this.sleep(1_000);
        continue;
      }
      try {
        await this.drainAll();
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1) this.logger.warn({ err }, 'cannot publish run events yet; will retry');
        await this.sleep(reconnectBackoffMs(failures));
      }
    }
  }

  /**
   * Publishes the pending documents' events in batches. The map keeps tracking order, which is
   * commit order, so a run's queued, started and succeeded events go out in that order in one send.
   */
  private async drainAll(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending].slice(0, BATCH);
      const docs = await Promise.all(
        batch.map(([, { model, id }]) => model.findById(id, { outbox: 1 }).lean<{ outbox?: OutboxEntry[] } | null>()),
      );
      const fresh = batch.flatMap(([, pending], i) => (docs[i]?.outbox ?? []).filter((entry) => !pending.sent.has(entry.eventId)).map((entry) => ({ entry, pending })));
      if (fresh.length > 0) {
        await this.publisher.publish(fresh.map(({ entry: { topic, event } }) => ({ topic, event })));
        for (const { entry, pending } of fresh) pending.sent.add(entry.eventId);
      }
      await Promise.all(
        batch.map(async ([key, { model, id }], i) => {
          const doc = docs[i];
          // Runs and transitions get their events in the insert that creates them and never later,
          // so the clear needs no guard; by `_id` alone it is an index lookup on FerretDB too.
          if (doc && (doc.outbox ?? []).length > 0) await model.updateOne({ _id: id }, { $set: { outbox: [], outboxPending: false } });
          this.pending.delete(key);
        }),
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
