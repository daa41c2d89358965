import { chainHash, GENESIS_HASH, type AuditRecord, type ChainHead } from './audit-record';

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
