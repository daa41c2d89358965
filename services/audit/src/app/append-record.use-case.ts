import type { AuditEntry } from '../domain/audit-entry';
import { appendTo, EMPTY_HEAD, type ChainHead } from '../domain/hash-chain';
import type { AuditLogStore } from './ports';

export type AppendResult = { status: 'appended'; seq: number } | { status: 'duplicate' };

const MAX_ATTEMPTS = 20;

/**
 * Puts an entry on its workspace's chain. Without transactions the append is two single-document
 * writes, ordered so that a crash between them is harmless:
 *   1. insert the record at head.seq + 1; the unique (workspace, seq) index makes this the
 *      compare-and-set: if another writer (or a crash-lagged head) got there first, it fails;
 *   2. advance the head document.
 * A lagging head is repaired from the highest stored record and the insert retried, so the chain
 * never forks (one record per seq) and never has a gap (seq is always last + 1). A redelivered
 * event is found by its id and adds nothing; if two replicas race with the same event, the unique
 * event-id index refuses the second insert.
 *
 * Appends to one workspace are serialized inside this process; across replicas the index decides.
 */
export class AppendRecord {
  private readonly heads = new Map<string, ChainHead>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: AuditLogStore) {}

  execute(entry: AuditEntry): Promise<AppendResult> {
    const previous = this.queues.get(entry.workspaceId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.append(entry));
    this.queues.set(entry.workspaceId, run);
    void run.finally(() => {
      if (this.queues.get(entry.workspaceId) === run) this.queues.delete(entry.workspaceId);
    }).catch(() => undefined);
    return run;
  }

  private async append(entry: AuditEntry): Promise<AppendResult> {
    // Checked first because a read is much cheaper than a refused insert (FerretDB retries a
    // failed insert batch row by row), and replays consist of nothing but duplicates.
    if (await this.store.hasEvent(entry.eventId)) return { status: 'duplicate' };
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
