import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { reconnectBackoffMs, sleep } from '@tenantatlas/core';
import type { OutboxEntry, StoredEvent } from './outbox';

/** Where the relay publishes: the kafka package's EventPublisher, which main.ts passes in (the store imports no transport). */
export interface OutboxPublisher {
  publish(events: { topic: string; event: StoredEvent }[]): Promise<void>;
}

/**
 * What a repository tells after a write that stored outbox entries in a document: which document,
 * and the entries when the write is known to have stored exactly them (an insert that succeeded).
 */
export interface OutboxTracker {
  track(model: Model<any>, id: unknown, entries?: OutboxEntry[]): void;
}

/**
 * Runs a write that stores outbox entries in document `id` of `model`, then tells the relay, also
 * when the write failed: a write whose answer was lost (the connection dropped) may still have
 * committed, and nothing else would look at its events before the next start. A write that really
 * failed costs the relay one read by `_id`.
 */
export async function trackAfter<T>(outbox: OutboxTracker, model: Model<any>, id: unknown, write: () => Promise<T>, entries?: OutboxEntry[]): Promise<T> {
  let stored = false;
  try {
    const result = await write();
    stored = true;
    return result;
  } finally {
    outbox.track(model, id, stored ? entries : undefined);
  }
}

export interface OutboxRelayOptions {
  /** the collections whose documents carry events (only ever in the insert that creates them) */
  models: Model<any>[];
  publisher: OutboxPublisher;
  logger: Logger;
  /** documents remembered at most; a write beyond it is found by a recovery pass (MAX_TRACKED) */
  maxTracked?: number;
  /** documents read and published together in one Kafka send (BATCH) */
  batchSize?: number;
}

interface Tracked {
  model: Model<any>;
  id: unknown;
  /** event ids of this document already published (its clear may have failed) */
  sent: Set<string>;
  /** bumped by every track(): a drain keeps the document when a write was told during it */
  writes: number;
  /** the events its insert stored, when the writer handed them over: published without a read */
  entries?: OutboxEntry[];
}

/** A published document whose outbox is still to be cleared. */
interface PendingClear {
  key: string;
  tracked: Tracked;
  /** the document's `writes` when it was taken into its batch */
  writes: number;
  /** its outbox as published (null: the document is gone) */
  doc: { outbox?: OutboxEntry[] } | null;
}

interface RecoveryPass {
  model: number;
  after?: unknown;
}

const MAX_TRACKED = 10_000;
const BATCH = 200;
/** clears under way at once: they are writes of their own, and the hot paths share the engine */
const CLEARS_AT_ONCE = 16;
/** published documents waiting for their clear before the relay publishes no more (memory bound) */
const MAX_CLEARING = 4_000;
/** how long a recovery pass waits for room when the tracked set is full */
const RECOVERY_WAIT_MS = 200;

const startedRelays = new Set<OutboxRelay>();

/**
 * Documents whose events the relays of this process still have to publish, by collection (the
 * outbox backlog gauge): read from memory, so a scrape costs no query.
 */
export function outboxBacklog(): Map<string, number> {
  const backlog = new Map<string, number>();
  for (const relay of startedRelays) for (const [collection, count] of relay.backlog()) backlog.set(collection, (backlog.get(collection) ?? 0) + count);
  return backlog;
}

/**
 * Publishes the outbox of the documents this process writes. The writer tells the relay which
 * document it wrote (`track`); the relay reads it by `_id` (the one lookup FerretDB answers from an
 * index), publishes its pending events in order and clears them. Nothing is polled: a collection
 * is searched for pending documents (a scan on FerretDB) only in a recovery pass, once when the
 * relay starts (what a process that died between its write and the publish left behind) and again
 * after more writes than it can remember. The pass runs beside the publishing, never in front of it:
 * a scan of a large collection takes seconds, and fresh writes' events do not wait for it (they
 * did: in the bench, a worker replica started under load let its backlog grow to 240 documents
 * over its first 15 s or so, and audit recorded those runs that much later). Delivery is at least
 * once; consumers dedupe by event id.
 */
export class OutboxRelay implements OutboxTracker {
  /** tracked documents whose events are still to go out, oldest first (commit order) */
  private readonly unpublished = new Map<string, Tracked>();
  /** tracked documents whose events went out and whose clear is queued or under way */
  private readonly clearing = new Map<string, Tracked>();
  private recovery: RecoveryPass | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private backingOff = false;
  private readonly clearQueue: PendingClear[] = [];
  private clearsUnderWay = 0;
  /** why a clear failed, until the next batch fails with it (the relay then backs off) */
  private clearFailure: { err: unknown } | undefined;
  /** called when a clear ends */
  private clearEnded: (() => void)[] = [];

  constructor(private readonly options: OutboxRelayOptions) {}

  /** Starts publishing, beginning with the recovery pass in the background (readiness waits for nothing). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.recovery = { model: 0 };
    startedRelays.add(this);
    this.loop = this.run();
    this.recover();
  }

  /** Called after a write that stored outbox entries in document `id` of `model`. */
  track(model: Model<any>, id: unknown, entries?: OutboxEntry[]): void {
    // Too many to remember: the document stays pending in the store, where a new pass finds it.
    if (!this.remember(model, id, this.options.maxTracked ?? MAX_TRACKED, entries)) {
      this.recovery = { model: 0 };
      this.recover();
    }
    // While Kafka is down the backoff decides when to try again, not every write.
    if (!this.backingOff) this.wake?.();
  }

  private remember(model: Model<any>, id: unknown, limit: number, entries?: OutboxEntry[]): boolean {
    const key = `${model.modelName}:${String(id)}`;
    const known = this.unpublished.get(key) ?? this.clearing.get(key);
    if (known) {
      known.writes++;
      known.entries = undefined;
    } else if (this.trackedCount() < limit) this.unpublished.set(key, { model, id, sent: new Set(), writes: 0, entries });
    else return false;
    return true;
  }

  private trackedCount(): number {
    return this.unpublished.size + this.clearing.size;
  }

  /**
   * Documents whose events still wait to go out, by collection. Published documents waiting for
   * their clear are delivered and do not count; a clear that fails puts its document back here
   * until it is cleared.
   */
  backlog(): Map<string, number> {
    const counts = new Map<string, number>(this.options.models.map((model) => [model.collection.collectionName, 0]));
    for (const { model } of this.unpublished.values()) counts.set(model.collection.collectionName, (counts.get(model.collection.collectionName) ?? 0) + 1);
    return counts;
  }

  /**
   * Publishes what is still tracked (bounded by the caller's shutdown timeout), then stops. What
   * cannot go out stays pending in its document for the next start's recovery pass.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    startedRelays.delete(this);
    // a clear that failed earlier put its document back: the drain tries it again, and only a
    // failure now ends the drain early
    this.clearFailure = undefined;
    try {
      while (this.trackedCount() > 0) await (this.unpublished.size > 0 ? this.drainBatch() : this.aClearEnded());
    } catch (err) {
      this.options.logger.warn({ err, pending: this.trackedCount() }, 'outbox relay stopped with events unpublished; the next start publishes them');
    }
    // a recovery page under way ends on its own; what it found stays pending for the next start
    await this.recovering;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      // a clear that ends with its document still to be published wakes the loop (clearOne)
      if (this.unpublished.size === 0) {
        await this.pause();
        continue;
      }
      try {
        await this.drainBatch();
        if (failures > 0) this.options.logger.info({ failures }, 'outbox relay publishing again');
        failures = 0;
      } catch (err) {
        failures++;
        // One warning per outage, not one per attempt.
        if (failures === 1) this.options.logger.warn({ err }, 'outbox relay cannot publish; will retry');
        this.backingOff = true;
        // as often as the Kafka client reconnects: events go out within a second of the broker's return
        await this.pause(reconnectBackoffMs(failures));
        this.backingOff = false;
      }
    }
  }

  /**
   * Publishes a batch of tracked documents' events in one send, in tracking order (commit order),
   * then queues each document's clear by `_id`; a document tracked again meanwhile goes back to the
   * unpublished once its clear ends, and is read again, its already sent events skipped. Events a
   * writer handed over are published as handed over; only the others are read from their document.
   * Publishing never waits for clears, since nothing rests on a clear (see clear()): they run
   * behind it, CLEARS_AT_ONCE at a time, and fresh events go out meanwhile; it waits only when
   * MAX_CLEARING published documents are still to be cleared. A clear that fails fails the next
   * batch, so the relay backs off as when Kafka is down.
   */
  private async drainBatch(): Promise<void> {
    const failure = this.clearFailure;
    if (failure) {
      this.clearFailure = undefined;
      throw failure.err;
    }
    if (this.clearing.size >= MAX_CLEARING) return this.aClearEnded();
    const published = await this.publishBatch();
    for (const pending of published) {
      this.unpublished.delete(pending.key);
      this.clearing.set(pending.key, pending.tracked);
    }
    this.clearQueue.push(...published);
    this.clearNext();
  }

  /** Reads (where needed) and publishes the oldest unpublished documents, a batch of them. */
  private async publishBatch(): Promise<PendingClear[]> {
    const size = this.options.batchSize ?? BATCH;
    const batch: [string, Tracked][] = [];
    for (const entry of this.unpublished) {
      if (batch.length === size) break;
      batch.push(entry);
    }
    const writes = batch.map(([, doc]) => doc.writes);
    const docs = await Promise.all(
      batch.map(([, { model, id, entries }]) => (entries ? { outbox: entries } : model.findById(id, { outbox: 1 }).lean<{ outbox?: OutboxEntry[] } | null>())),
    );
    const fresh = batch.flatMap(([, tracked], i) => (docs[i]?.outbox ?? []).filter((entry) => !tracked.sent.has(entry.eventId)).map((entry) => ({ entry, tracked })));
    if (fresh.length > 0) {
      await this.options.publisher.publish(fresh.map(({ entry: { topic, event } }) => ({ topic, event })));
      for (const { entry, tracked } of fresh) tracked.sent.add(entry.eventId);
    }
    return batch.map(([key, tracked], i) => ({ key, tracked, writes: writes[i]!, doc: docs[i] ?? null }));
  }

  /** Starts queued clears while fewer than CLEARS_AT_ONCE are under way. */
  private clearNext(): void {
    while (this.clearsUnderWay < CLEARS_AT_ONCE && this.clearQueue.length > 0) {
      const pending = this.clearQueue.shift()!;
      this.clearsUnderWay++;
      void this.clearOne(pending).finally(() => {
        this.clearsUnderWay--;
        const waiting = this.clearEnded;
        this.clearEnded = [];
        for (const resolve of waiting) resolve();
        this.clearNext();
      });
    }
  }

  /**
   * Clears a published document and forgets it. One tracked again meanwhile, or whose clear failed,
   * goes back to the unpublished (last in the order: its events went out already).
   */
  private async clearOne({ key, tracked, writes, doc }: PendingClear): Promise<void> {
    let done = false;
    try {
      const cleared = !doc || (doc.outbox ?? []).length === 0 || (await this.clear(tracked));
      done = cleared && tracked.writes === writes;
    } catch (err) {
      // taken up by the next batch (or stop): not news before that
      this.clearFailure ??= { err };
    } finally {
      this.clearing.delete(key);
      if (!done) {
        // read again next time, not published from what the writer handed over: a document gone
        // meanwhile (cleared and removed by another replica) then reads as nothing and is forgotten
        tracked.entries = undefined;
        this.unpublished.set(key, tracked);
        if (!this.backingOff) this.wake?.();
      }
    }
  }

  private aClearEnded(): Promise<void> {
    return new Promise((resolve) => this.clearEnded.push(resolve));
  }

  /**
   * Clears a published outbox (nothing is added to it after the insert, so no guard is needed).
   * Nothing rests on this write: a clear that is lost only publishes the events again (consumers
   * drop them by id), and the only other writes to such a document, a head's revision hint and a
   * run's projection, may be undone by it (an update rewrites the whole document) without losing
   * anything: the hint only saves probes, and the run's projection is re-checked (run.scans.ts).
   */
  private async clear({ model, id }: Tracked): Promise<boolean> {
    const result = await model.updateOne({ _id: id }, { $set: { outbox: [], outboxPending: false } }).exec();
    return result.matchedCount === 1;
  }

  /** Runs the recovery pass, page by page, unless it is running already. */
  private recover(): void {
    if (this.recovering || !this.running) return;
    this.recovering = (async () => {
      for (let failures = 0; this.running && this.recovery; ) {
        try {
          const found = await this.recoverPage(this.recovery);
          failures = 0;
          if (found > 0 && !this.backingOff) this.wake?.();
          // the tracked set is full: the publishing makes room
          else if (found < 0) await sleep(RECOVERY_WAIT_MS);
        } catch (err) {
          if (++failures === 1) this.options.logger.warn({ err }, 'outbox relay cannot look for unpublished events; will retry');
          await sleep(reconnectBackoffMs(failures));
        }
      }
    })().finally(() => {
      this.recovering = undefined;
      // an overflow while the last page was read asked for a new pass
      if (this.recovery) this.recover();
    });
  }

  /**
   * One page of the recovery pass: pending documents (a query FerretDB answers by scanning the
   * collection), in `_id` order, are tracked like fresh writes. A page waits until the tracked set
   * has room, so the pass never overflows it.
   */
  private async recoverPage(pass: RecoveryPass): Promise<number> {
    const room = (this.options.maxTracked ?? MAX_TRACKED) - this.trackedCount();
    if (room <= 0) return -1;
    const model = this.options.models[pass.model];
    if (!model) {
      this.recovery = undefined;
      return 0;
    }
    const filter = pass.after === undefined ? { outboxPending: true } : { outboxPending: true, _id: { $gt: pass.after } };
    const page = Math.min(room, this.options.batchSize ?? BATCH);
    const docs = await model.find(filter, { _id: 1 }).sort({ _id: 1 }).limit(page).lean<{ _id: unknown }[]>();
    // remembered even if writes filled the set meanwhile: it may exceed its bound by one page
    for (const { _id } of docs) this.remember(model, _id, Infinity);
    if (docs.length > 0) this.options.logger.info({ collection: model.collection.collectionName, documents: docs.length }, 'outbox relay found unpublished events');
    // A newer recovery request (an overflow meanwhile) replaced this pass: it starts over.
    if (this.recovery !== pass) return docs.length;
    if (docs.length === page) pass.after = docs[docs.length - 1]!._id;
    else this.recovery = model === this.options.models[this.options.models.length - 1] ? undefined : { model: pass.model + 1 };
    return docs.length;
  }

  /** Waits for a write (or stop), or for `ms` when given: at rest nothing wakes the relay. */
  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
