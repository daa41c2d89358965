import type { DeliveredEvent } from '@tenantatlas/kafka';
import type { AuditRecord, ChainHead } from '../domain/audit-record';
import type { SealedSegment, TenantSlice } from '../domain/chain-segment';

/** Why a chain insert stopped early: the event is already recorded, or the seq is taken. */
export type Refusal = 'duplicate-event' | 'seq-taken' | 'unknown';

export interface ChainInsert {
  /** how many records, from the first, were stored */
  inserted: number;
  /** why the record after them was refused (absent when all were stored) */
  refused?: Refusal;
}

/** A stored record's place on its chain. */
export interface ChainLink extends ChainHead {
  eventId: string;
}

/**
 * The append-only store of audit records. There is no update: records are only ever inserted,
 * and deleted only by retention once their sealed segment holds them. Each has two unique keys: its place on the chain (workspace + seq, the record's
 * identity) and its event id. The append path reads nothing but single records by that identity
 * and the head by workspace.
 */
export interface AuditLogStore {
  /**
   * Inserts records in order and stops at the first one refused (its seq taken, or its event
   * already recorded); says how many went in and, when the store knows, why the next did not.
   */
  insertChain(records: AuditRecord[]): Promise<ChainInsert>;
  /** The record at `seq` on the workspace's chain, if stored. */
  linkAt(workspaceId: string, seq: number): Promise<ChainLink | null>;
  /** The stored chain head, which may lag behind the records after a crash or a race. */
  readHead(workspaceId: string): Promise<ChainHead | null>;
  /** Stores `head` as the workspace's chain head. */
  advanceHead(workspaceId: string, head: ChainHead): Promise<void>;
  /** The records stored at these places of the workspace's chain, in the order asked. */
  recordsAt(workspaceId: string, seqs: readonly number[]): Promise<AuditRecord[]>;
  findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null>;
  /** The sealed copy of a full segment of the workspace's chain, if it was sealed. */
  segmentAt(workspaceId: string, segment: number): Promise<SealedSegment | null>;
  /**
   * Stores a sealed segment with its tenant slices; what is already stored (by another writer: the
   * same text) is left as it is.
   */
  insertSegment(sealed: SealedSegment): Promise<void>;
  /**
   * One tenant's records of a sealed segment: 'none' when the segment's slices are all stored and
   * the tenant has no record in it, null when they are not (the segment is not sealed, was sealed
   * before segments were sliced, or its sealer stopped half-way).
   */
  tenantSliceAt(workspaceId: string, segment: number, tenantId: string): Promise<TenantSlice | 'none' | null>;
  /** The last segment whose records retention removed (0: none). */
  archivedThrough(workspaceId: string): Promise<number>;
  /** Notes that retention removed the records of the segments up to `segment`. */
  markArchived(workspaceId: string, segment: number): Promise<void>;
  /** Removes the records at these places (each kept in its sealed segment). */
  removeRecords(workspaceId: string, seqs: readonly number[]): Promise<void>;
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
  /** a message that is not even an event (the consumer could not parse it) */
  send(message: DeadLetter, reason: string): Promise<void>;
  /** an event that cannot become an audit record; it is dead-lettered as a CloudEvent */
  sendEvent(delivered: DeliveredEvent, reason: string): Promise<void>;
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
