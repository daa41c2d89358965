import type { AuditQuery } from '../domain/audit-query';
import type { AuditRecord, ChainHead } from '../domain/hash-chain';

export type InsertOutcome = 'inserted' | 'duplicate-event' | 'seq-taken';

/**
 * The append-only store of audit records. There is no update or delete: records are only ever
 * inserted, guarded by two unique indexes (event id; workspace + seq).
 */
export interface AuditLogStore {
  /** Whether an event is already recorded (in any workspace). */
  hasEvent(eventId: string): Promise<boolean>;
  /** Inserts a record; reports instead of throwing when the event or the seq is already there. */
  insert(record: AuditRecord): Promise<InsertOutcome>;
  /**
   * Inserts records in order and stops at the first one refused (event or seq already there);
   * returns how many were inserted.
   */
  insertInOrder(records: AuditRecord[]): Promise<number>;
  /** The stored chain head, which may lag behind the records after a crash. */
  readHead(workspaceId: string): Promise<ChainHead | null>;
  /** Stores `head` as the workspace's chain head (callers only ever move it forward). */
  advanceHead(workspaceId: string, head: ChainHead): Promise<void>;
  /** The record with the highest seq: the truth the head is repaired from. */
  lastRecord(workspaceId: string): Promise<ChainHead | null>;
  findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null>;
  /**
   * Up to `limit` records matching the query, newest first, strictly below seq `before`, and
   * whether more follow below the last of them.
   */
  page(query: AuditQuery, options: { limit: number; before: number | null }): Promise<{ records: AuditRecord[]; more: boolean }>;
  /** Every record matching the query with seq ≤ `upTo` (null: no bound), read through one cursor. */
  stream(query: AuditQuery, options: { upTo: number | null; order: 'newest' | 'oldest' }): AsyncIterable<AuditRecord>;
  /** Every record of a workspace in chain order (seq ascending), read through one cursor. */
  chain(workspaceId: string): AsyncIterable<AuditRecord>;
}

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Where messages go that can never become an audit record; counting them is part of the job. */
export interface DeadLetterSink {
  send(message: DeadLetter, reason: string): Promise<void>;
  count(): Promise<number>;
}

export interface LagReading {
  topic: string;
  partition: number;
  lag: number;
}

export interface ConsumerLagSource {
  read(): Promise<LagReading[]>;
}
