import { createHash } from 'node:crypto';
import type { AuditEntry } from './audit-entry';
import type { Summary } from './sanitize';

/**
 * Each workspace's records form a chain: record n stores `prevHash` (record n-1's hash) and
 * `hash = sha256(prevHash + "\n" + canonical(record n))`. Editing, deleting or reordering a stored
 * record breaks a link that `ChainVerifier` finds by walking the chain from seq 1.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord extends AuditEntry {
  /** 1-based position in the workspace's chain, without gaps */
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

function sorted(summary: Summary): [string, string][] {
  return Object.keys(summary)
    .sort()
    .map((key) => [key, summary[key]!]);
}

/**
 * The bytes a hash covers: every field, in a fixed order, as one JSON array, so the form does not
 * depend on how the database returns keys or whether it keeps explicit nulls.
 */
export function canonicalForm(record: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  return JSON.stringify([
    1, // version of this form
    record.eventId,
    record.workspaceId,
    record.seq,
    record.tenantId ?? null,
    record.type,
    record.action,
    record.sourceService,
    record.actor.kind,
    record.actor.id,
    record.actor.displayName ?? null,
    record.subjectType,
    record.subjectId,
    record.outcome ?? null,
    record.reasonCode ?? null,
    sorted(record.before ?? {}),
    sorted(record.after ?? {}),
    sorted(record.details ?? {}),
    record.traceId ?? null,
    new Date(record.occurredAt).toISOString(),
    new Date(record.recordedAt).toISOString(),
  ]);
}

export function chainHash(prevHash: string, record: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalForm(record)).digest('hex');
}

/** Places an entry right after `head` on its workspace's chain. */
export function appendTo(head: ChainHead, entry: AuditEntry): AuditRecord {
  const unhashed = { ...entry, seq: head.seq + 1 };
  return { ...unhashed, prevHash: head.hash, hash: chainHash(head.hash, unhashed) };
}

/** Places entries, in their order, one after the other from `head` (one workspace's chain). */
export function chainFrom(head: ChainHead, entries: readonly AuditEntry[]): AuditRecord[] {
  let last = head;
  return entries.map((entry) => {
    const record = appendTo(last, entry);
    last = headOf(record);
    return record;
  });
}

export function headOf(record: Pick<AuditRecord, 'seq' | 'hash'>): ChainHead {
  return { seq: record.seq, hash: record.hash };
}

/**
 * The positions of the entries that are not a repeat of an earlier one (same event id): an event
 * delivered twice in one batch becomes one record.
 */
export function firstDeliveries(entries: readonly AuditEntry[]): number[] {
  const seen = new Set<string>();
  const first: number[] = [];
  entries.forEach((entry, i) => {
    if (seen.has(entry.eventId)) return;
    seen.add(entry.eventId);
    first.push(i);
  });
  return first;
}

export type ChainProblem = 'RECORD_MISSING' | 'HASH_MISMATCH' | 'PREV_HASH_MISMATCH' | 'HEAD_MISMATCH';

export type ChainVerdict =
  | { ok: true; checked: number; lastSeq: number; headHash: string }
  | { ok: false; checked: number; lastSeq: number; firstBadSeq: number; problem: ChainProblem; message: string };

/**
 * Walks one workspace's records in seq order (fed in batches by the caller) and stops at the first
 * broken link. `head` is the stored chain head: it may lag behind the records (a crash between
 * appending and advancing it), which is harmless; it may never point past them or disagree with
 * the record at its seq.
 */
export class ChainVerifier {
  private checked = 0;
  private lastSeq = 0;
  private prevHash = GENESIS_HASH;
  private failure: Extract<ChainVerdict, { ok: false }> | undefined;

  constructor(private readonly head: ChainHead | null) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Checks the next record; returns false once the chain is known to be broken. */
  push(record: AuditRecord): boolean {
    if (this.failure) return false;
    const expected = this.lastSeq + 1;
    if (record.seq !== expected) {
      return this.fail(expected, 'RECORD_MISSING', `record ${expected} is missing (next stored record is ${record.seq})`);
    }
    this.checked += 1;
    if (record.prevHash !== this.prevHash) {
      return this.fail(record.seq, 'PREV_HASH_MISMATCH', `record ${record.seq} does not link to record ${record.seq - 1}`);
    }
    if (chainHash(this.prevHash, record) !== record.hash) {
      return this.fail(record.seq, 'HASH_MISMATCH', `record ${record.seq} was changed after it was recorded`);
    }
    if (this.head && record.seq === this.head.seq && record.hash !== this.head.hash) {
      return this.fail(record.seq, 'HEAD_MISMATCH', `the chain head disagrees with record ${record.seq}`);
    }
    this.lastSeq = record.seq;
    this.prevHash = record.hash;
    return true;
  }

  finish(): ChainVerdict {
    if (this.failure) return this.failure;
    if (this.head && this.head.seq > this.lastSeq) {
      this.fail(this.lastSeq + 1, 'RECORD_MISSING', `records ${this.lastSeq + 1}..${this.head.seq} are missing (the chain head is at ${this.head.seq})`);
      return this.failure!;
    }
    return { ok: true, checked: this.checked, lastSeq: this.lastSeq, headHash: this.prevHash };
  }

  private fail(firstBadSeq: number, problem: ChainProblem, message: string): false {
    this.failure = { ok: false, checked: this.checked, lastSeq: this.lastSeq, firstBadSeq, problem, message };
    return false;
  }
}
