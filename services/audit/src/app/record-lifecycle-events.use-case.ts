import { lazyInstrument } from '@tenantatlas/core';
import { type DeliveredEvent } from '@tenantatlas/kafka';
import { chainFrom, EMPTY_HEAD, entryFromEvent, firstDeliveries, headOf, type AuditEntry, type AuditRecord, type ChainHead } from '../domain/audit-record';
import { chainEnd } from './chain-end';
import type { AuditLogStore, DeadLetterSink } from './ports';
import type { Retention } from './retention';
import { SegmentSealer } from './segment-sealer';

export interface RecordLifecycleEventsCommand {
  /** a delivered batch, in delivery order (each partition's order kept) */
  delivered: readonly DeliveredEvent[];
}

export type AppendResult = { status: 'appended'; seq: number } | { status: 'duplicate' };
export type RecordResult = AppendResult | { status: 'dead-lettered' };

/** `tenantatlas_audit_records_total{action, result}`: result is appended or duplicate */
const recordsCounter = lazyInstrument((meter) =>
  meter.createCounter('tenantatlas_audit_records_total', {
    description: 'Lifecycle events audit handled, by action and whether they were appended or already recorded',
  }),
);

/** How many entries of one workspace go into one ordered insert. */
const MAX_GROUP = 500;

/** How long this process's own end of a workspace's chain is trusted without reading the stored head. */
const TRUSTED_HEAD_MS = 60_000;

/** Times a group may find its seqs taken by another writer before the batch is left for redelivery. */
const MAX_TAKEN_SEQS = 50;

interface Waiting {
  entry: AuditEntry;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

/**
 * Lifecycle events → at most one audit record each. An envelope that validated but still cannot be
 * an audit record (a type outside the `tenantatlas.<service>.<object>.<verb>` vocabulary) goes to
 * the dead-letter topic like an unparsable message, so the partition keeps moving.
 *
 * Entries go on their workspace's chain many at a time. A group is chained in memory from the
 * head and stored with one ordered insert; each record's identity is its place on the chain, so
 * inserting it is the compare-and-set of the append: a place another writer (another replica, or
 * this process before a crash) already took is refused, and so is an event already recorded. What
 * went in before a refusal stays; the refused record's place is read (by that identity) to tell
 * the two apart: an event already recorded is dropped, a taken seq makes the head catch up, and the
 * rest is chained again from there. So the chain never forks (one record per seq), never has a gap
 * (each seq is the last + 1) and records an event once, with any number of writers.
 *
 * Then the head document is written once per group. It may lag (a crash before that write, or a
 * race between replicas that moves it back): that only costs the next append a catch-up. An
 * append that fills a segment of the chain seals it (SegmentSealer).
 *
 * Inside one process, groups of one workspace are written one after the other, and entries that
 * arrive meanwhile join the next group: that is only to save work (no pointless refusals between
 * this process's own partitions); the stored identities keep the chain right without it.
 */
export class RecordLifecycleEventsUseCase {
  /** per workspace, the end of the chain after this process's last append there, and when */
  private readonly heads = new Map<string, { head: ChainHead; at: number }>();
  private readonly pending = new Map<string, Waiting[]>();
  private readonly flushing = new Set<string>();
  private readonly sealer: SegmentSealer;

  constructor(
    private readonly deps: { store: AuditLogStore; deadLetters: DeadLetterSink; now?: () => Date; retention?: Retention },
  ) {
    this.sealer = new SegmentSealer(deps.store, deps.retention);
  }

  /** Every workspace's entries of the batch are appended together, in delivery order. */
  async execute({ delivered }: RecordLifecycleEventsCommand): Promise<RecordResult[]> {
    const results: RecordResult[] = new Array(delivered.length);
    const entries: AuditEntry[] = [];
    const positions: number[] = [];
    const recordedAt = this.clock();
    for (const [i, item] of delivered.entries()) {
      const result = entryFromEvent(item.event, recordedAt);
      if (result.ok) {
        entries.push(result.entry);
        positions.push(i);
        continue;
      }
      await this.deps.deadLetters.sendEvent(item, result.reason);
      results[i] = { status: 'dead-lettered' };
    }
    const appended = await this.append(entries);
    appended.forEach((outcome, k) => {
      recordsCounter().add(1, { action: entries[k]!.action, result: outcome.status });
      results[positions[k]!] = outcome;
    });
    return results;
  }

  /** Appends entries of any workspaces; each workspace's entries keep their order. */
  private append(entries: readonly AuditEntry[]): Promise<AppendResult[]> {
    // queued all at once, so that a workspace's entries of this batch go into one group
    const results = Promise.all(entries.map((entry) => this.enqueue(entry)));
    for (const workspaceId of new Set(entries.map((e) => e.workspaceId))) {
      if (!this.flushing.has(workspaceId)) void this.flush(workspaceId);
    }
    return results;
  }

  private enqueue(entry: AuditEntry): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const queue = this.pending.get(entry.workspaceId) ?? [];
      queue.push({ entry, resolve, reject });
      this.pending.set(entry.workspaceId, queue);
    });
  }

  private async flush(workspaceId: string): Promise<void> {
    this.flushing.add(workspaceId);
    for (;;) {
      const queue = this.pending.get(workspaceId) ?? [];
      if (queue.length === 0) break;
      const group = queue.splice(0, MAX_GROUP);
      try {
        const results = await this.appendGroup(workspaceId, group.map((w) => w.entry));
        group.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        this.heads.delete(workspaceId);
        this.sealer.forget(workspaceId);
        for (const w of group) w.reject(err);
      }
    }
    // nothing awaited since the queue was found empty, so no entry can be left behind
    this.pending.delete(workspaceId);
    this.flushing.delete(workspaceId);
  }

  private clock(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  /**
   * Where the next append of a workspace starts. The process's own last end saves a read while it
   * is recent; an older one may lie below places retention has emptied since (another replica
   * appended there for weeks), and an insert into an emptied place would succeed and fork the
   * chain, so it is checked against the stored head, which is written before any segment is
   * sealed and lags by seconds at most, far inside any retention window.
   */
  private async startingHead(workspaceId: string): Promise<ChainHead> {
    const cached = this.heads.get(workspaceId);
    if (cached && this.clock().getTime() - cached.at < TRUSTED_HEAD_MS) return cached.head;
    const stored = (await this.deps.store.readHead(workspaceId)) ?? EMPTY_HEAD;
    return cached && cached.head.seq > stored.seq ? cached.head : stored;
  }

  private async appendGroup(workspaceId: string, entries: AuditEntry[]): Promise<AppendResult[]> {
    const results: AppendResult[] = entries.map(() => ({ status: 'duplicate' }));
    let rest = firstDeliveries(entries);
    const known = await this.startingHead(workspaceId);
    let head = known;
    const stored: AuditRecord[][] = [];
    for (let taken = 0; rest.length > 0; ) {
      const records = chainFrom(head, rest.map((i) => entries[i]!));
      const { inserted, refused } = await this.deps.store.insertChain(records);
      stored.push(records.slice(0, inserted));
      records.slice(0, inserted).forEach((record, k) => (results[rest[k]!] = { status: 'appended', seq: record.seq }));
      if (inserted > 0) head = headOf(records[inserted - 1]!);
      if (inserted === records.length) break;

      const blocked = records[inserted]!;
      const occupant = refused === 'duplicate-event' ? null : await this.deps.store.linkAt(workspaceId, blocked.seq);
      if (occupant === null || occupant.eventId === blocked.eventId) {
        // the event is already recorded (by an earlier delivery, or at this very place by another writer)
        if (occupant) head = headOf(occupant);
        rest = rest.slice(inserted + 1);
        continue;
      }
      if (++taken > MAX_TAKEN_SEQS) {
        throw new Error(`the chain of workspace ${workspaceId} kept moving under this append (${MAX_TAKEN_SEQS} taken seqs)`);
      }
      head = await chainEnd(this.deps.store, workspaceId, headOf(occupant));
      rest = rest.slice(inserted);
    }
    this.heads.set(workspaceId, { head, at: this.clock().getTime() });
    if (head.seq > known.seq) await this.deps.store.advanceHead(workspaceId, head);
    for (const run of stored) await this.sealer.stored(run);
    return results;
  }
}
