import type { AuditEntry } from '../domain/audit-entry';
import { appendTo, EMPTY_HEAD, type ChainHead } from '../domain/hash-chain';
import type { AuditLogStore } from './ports';

export type AppendResult = { status: 'appended'; seq: number } | { status: 'duplicate' };

const MAX_ATTEMPTS = 20;

/** How many queued entries of one workspace go into one batched insert. */
const MAX_BATCH = 200;

interface Waiting {
  entry: AuditEntry;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

/**
 * Puts entries on their workspace's chain. Without transactions an append is two single-document
 * writes, ordered so that a crash between them is harmless:
 *   1. insert the record at head.seq + 1; the unique (workspace, seq) index makes this the
 *      compare-and-set: if another writer (or a crash-lagged head) got there first, it fails;
 *   2. advance the head document.
 * A lagging head is repaired from the highest stored record and the insert retried, so the chain
 * never forks (one record per seq) and never has a gap (seq is always last + 1). A redelivered
 * event is refused by the unique event-id index and adds nothing (also when two replicas race
 * with the same event); nothing is read before an insert, so a new event costs two writes.
 *
 * Appends to one workspace are serialized inside this process (across replicas the index decides)
 * and committed in groups: what arrives while a write is in flight is chained in memory and
 * inserted with one ordered insert and one head write, so the chain's cost per event falls as
 * load rises. Whatever a group insert refuses goes through the one-by-one path above.
 */
export class AppendRecord {
  private readonly heads = new Map<string, ChainHead>();
  private readonly pending = new Map<string, Waiting[]>();
  private readonly flushing = new Set<string>();

  constructor(private readonly store: AuditLogStore) {}

  execute(entry: AuditEntry): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const queue = this.pending.get(entry.workspaceId) ?? [];
      queue.push({ entry, resolve, reject });
      this.pending.set(entry.workspaceId, queue);
      if (!this.flushing.has(entry.workspaceId)) void this.flush(entry.workspaceId);
    });
  }

  private async flush(workspaceId: string): Promise<void> {
    this.flushing.add(workspaceId);
    for (;;) {
      const queue = this.pending.get(workspaceId) ?? [];
      if (queue.length === 0) break;
      const group = queue.splice(0, MAX_BATCH);
      try {
        const results = await this.appendGroup(group.map((w) => w.entry));
        group.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    // nothing awaited since the queue was found empty, so no entry can be left behind
    this.pending.delete(workspaceId);
    this.flushing.delete(workspaceId);
  }

  private async appendGroup(entries: AuditEntry[]): Promise<AppendResult[]> {
    if (entries.length === 1) return [await this.append(entries[0]!)];
    const results: AppendResult[] = new Array(entries.length);
    // No read before the insert: the unique event-id index refuses a recorded event, and a read
    // per event is what does not scale on FerretDB (it scans the collection even for an _id).
    // An event twice in one group is dropped here; a refused insert falls back to one by one.
    const seen = new Set<string>();
    const fresh: number[] = [];
    entries.forEach((entry, i) => {
      if (seen.has(entry.eventId)) results[i] = { status: 'duplicate' };
      else (seen.add(entry.eventId), fresh.push(i));
    });
    if (fresh.length === 0) return results;
    const workspaceId = entries[0]!.workspaceId;
    let head = this.heads.get(workspaceId) ?? (await this.store.readHead(workspaceId)) ?? EMPTY_HEAD;
    const records = fresh.map((i) => {
      const record = appendTo(head, entries[i]!);
      head = { seq: record.seq, hash: record.hash };
      return record;
    });
    const inserted = await this.store.insertInOrder(records);
    if (inserted > 0) {
      const last = records[inserted - 1]!;
      const next = { seq: last.seq, hash: last.hash };
      this.heads.set(workspaceId, next);
      await this.store.advanceHead(workspaceId, next);
    } else {
      this.heads.delete(workspaceId);
    }
    for (let k = 0; k < fresh.length; k++) {
      results[fresh[k]!] = k < inserted ? { status: 'appended', seq: records[k]!.seq } : await this.append(entries[fresh[k]!]!);
    }
    return results;
  }

  /** One entry: insert first; the store tells a recorded event from a taken seq. */
  private async append(entry: AuditEntry): Promise<AppendResult> {
    let head = this.heads.get(entry.workspaceId) ?? (await this.store.readHead(entry.workspaceId)) ?? EMPTY_HEAD;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const record = appendTo(head, entry);
      const outcome = await this.store.insert(record);
      if (outcome === 'duplicate-event') return { status: 'duplicate' };
      if (outcome === 'inserted') {
        const next = { seq: record.seq, hash: record.hash };
        this.heads.set(entry.workspaceId, next);
        await this.store.advanceHead(entry.workspaceId, next);
        return { status: 'appended', seq: record.seq };
      }
      this.heads.delete(entry.workspaceId);
      head = (await this.store.lastRecord(entry.workspaceId)) ?? EMPTY_HEAD;
    }
    throw new Error(`could not append to the chain of workspace ${entry.workspaceId} after ${MAX_ATTEMPTS} attempts`);
  }
}
