import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { EventPublisher, OutboxEntry } from '@tenantatlas/shared';

interface Pending {
  model: Model<any>;
  id: string;
}

const MAX_TRACKED = 10_000;

/**
 * Publishes the outbox of documents this process just wrote, reading each by `_id`. The shared
 * OutboxRelay finds pending documents with a query, which FerretDB answers by scanning the whole
 * collection; here it only sweeps up leftovers (another replica's crash, an overflow) at a slow
 * poll, and this relay carries the normal flow. Both may publish an event; delivery is at least
 * once either way, and the guarded clear never drops an event pushed meanwhile.
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
    this.pending.set(`${model.modelName}:${id}`, { model, id });
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
        await this.sleep(Math.min(5_000, 200 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private async drainAll(): Promise<void> {
    for (const [key, { model, id }] of [...this.pending]) {
      await this.drain(model, id);
      this.pending.delete(key);
    }
  }

  /** Publishes a document's pending events in order, then clears them unless more were pushed. */
  private async drain(model: Model<any>, id: string): Promise<void> {
    const sent = new Set<string>();
    for (;;) {
      const doc = await model.findById(id, { outbox: 1, outboxVersion: 1 }).lean<{ outbox?: OutboxEntry[]; outboxVersion?: number } | null>();
      if (!doc) return;
      const fresh = (doc.outbox ?? []).filter((entry) => !sent.has(entry.eventId));
      if (fresh.length === 0 && sent.size === 0 && (doc.outbox ?? []).length === 0) return;
      if (fresh.length > 0) {
        await this.publisher.publish(fresh.map(({ topic, event }) => ({ topic, event })));
        for (const entry of fresh) sent.add(entry.eventId);
      }
      const cleared = await model.updateOne({ _id: id, outboxVersion: doc.outboxVersion ?? 0 }, { $set: { outbox: [], outboxPending: false } });
      if (cleared.matchedCount === 1) return;
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
