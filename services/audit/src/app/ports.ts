import type { AuditQuery } from '../domain/audit-query';
import type { AuditRecord, ChainHead } from '../domain/hash-chain';

export type InsertOutcome = 'inserted' | 'duplicate-event' | 'seq-taken';

/**
 * The append-only store of audit records. There is no update or delete: records are only ever
 * inserted, guarded by two unique indexes (event id; workspace + seq).
 */
export interface AuditLogStore {
  /** Inserts a record; reports instead of throwing when the event or the seq is already there. */
  insert(record: AuditRecord): Promise<InsertOutcome>;
  /** The stored chain head, which may lag behind the records after a crash. */
  readHead(workspaceId: string): Promise<ChainHead | null>;
  /** Moves the head forward to `head` unless it is already there or further. */
  advanceHead(workspaceId: string, head: ChainHead): Promise<void>;
  /** The record with the highest seq: the truth the head is repaired from. */
  lastRecord(workspaceId: string): Promise<ChainHead | null>;
  findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null>;
  /** Records matching the query, seq descending (or ascending), strictly past `afterSeq`. */
  page(
    query: AuditQuery,
    options: { limit: number; after?: number | null; upTo?: number; order: 'newest' | 'oldest' },
  ): Promise<AuditRecord[]>;
  /** Every record of a workspace in chain order, in batches, from seq > `afterSeq`. */
  chainBatch(workspaceId: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;
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
