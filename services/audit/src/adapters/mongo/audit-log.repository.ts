import { isDuplicateKeyError } from '@tenantatlas/store';
import type { QueryFilter } from 'mongoose';
import type { AuditLogStore, ChainInsert, ChainLink, Refusal } from '../../app/ports';
import type { AuditQuery } from '../../domain/audit-query';
import type { AuditRecord, ChainHead } from '../../domain/audit-record';
import type { AuditModels, AuditRecordDocument } from './audit-record.schema';

/**
 * A record's identity is its place on its workspace's chain: no two records can take one place,
 * and the append path finds any record it needs by this key alone.
 */
export function recordId(workspaceId: string, seq: number): string {
  return `${workspaceId}:${seq}`;
}

/** The stored form of a record (exported for test fixtures that seed a chain in bulk). */
export function toDocument(record: AuditRecord): AuditRecordDocument {
  return { _id: recordId(record.workspaceId, record.seq), ...record };
}

function toRecord(doc: AuditRecordDocument): AuditRecord {
  const { _id, ...rest } = doc;
  return {
    ...rest,
    tenantId: rest.tenantId ?? null,
    actor: { kind: rest.actor.kind, id: rest.actor.id, displayName: rest.actor.displayName ?? null },
    outcome: rest.outcome ?? null,
    reasonCode: rest.reasonCode ?? null,
    before: rest.before ?? {},
    after: rest.after ?? {},
    details: rest.details ?? {},
    traceId: rest.traceId ?? null,
  };
}

/** Every filter here starts with the workspace: no query can reach another workspace's records. */
function filterFor(query: AuditQuery): QueryFilter<AuditRecordDocument> {
  const filter: QueryFilter<AuditRecordDocument> = { workspaceId: query.workspaceId };
  if (query.tenantId) filter.tenantId = query.tenantId;
  if (query.subjectType) filter.subjectType = query.subjectType;
  if (query.subjectId) filter.subjectId = query.subjectId;
  if (query.actorId) filter['actor.id'] = query.actorId;
  if (query.action) filter.action = query.action;
  if (query.type) filter.type = query.type;
  if (query.outcome) filter.outcome = query.outcome;
  if (query.traceId) filter.traceId = query.traceId;
  if (query.occurredFrom || query.occurredTo) {
    filter.occurredAt = {
      ...(query.occurredFrom ? { $gte: query.occurredFrom } : {}),
      ...(query.occurredTo ? { $lt: query.occurredTo } : {}),
    };
  }
  return filter;
}

const CURSOR_BATCH = 1_000;

type WriteErrorShape = { index?: number; keyPattern?: Record<string, unknown>; err?: { keyPattern?: Record<string, unknown> } };

function firstWriteError(err: unknown): WriteErrorShape | undefined {
  const { writeErrors } = (err ?? {}) as { writeErrors?: WriteErrorShape[] | WriteErrorShape };
  return Array.isArray(writeErrors) ? writeErrors[0] : writeErrors;
}

/** Which unique key refused an insert, when the server says (MongoDB does, per write error; FerretDB does not). */
function refusal(err: unknown): Refusal {
  const first = firstWriteError(err);
  const keyPattern = (err as WriteErrorShape).keyPattern ?? first?.err?.keyPattern ?? first?.keyPattern;
  if (keyPattern && 'eventId' in keyPattern) return 'duplicate-event';
  if (keyPattern && ('_id' in keyPattern || 'seq' in keyPattern)) return 'seq-taken';
  return 'unknown';
}

/** The position of the first record an ordered insert refused. */
function firstRefused(err: unknown): number {
  const index = firstWriteError(err)?.index;
  return typeof index === 'number' ? index : 0;
}

/** How many records one insert carries at most (docs/storage.md: an ordered insert stops at a refusal only within this size). */
const INSERT_SLICE = 100;

/** The audit log on MongoDB/FerretDB: insert-only records, a head per workspace. */
export class MongoAuditLog implements AuditLogStore {
  constructor(private readonly models: AuditModels) {}

  async insertChain(records: AuditRecord[]): Promise<ChainInsert> {
    // A chain is stored front to back and nothing after a refused place may land: a record behind
    // a refusal would hang from a hash that is not on the chain.
    for (let start = 0; start < records.length; start += INSERT_SLICE) {
      const slice = records.slice(start, start + INSERT_SLICE);
      try {
        await this.models.records.collection.insertMany(slice.map(toDocument) as never[], { ordered: true });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        return { inserted: start + firstRefused(err), refused: refusal(err) };
      }
    }
    return { inserted: records.length };
  }

  async linkAt(workspaceId: string, seq: number): Promise<ChainLink | null> {
    const doc = await this.models.records.findById(recordId(workspaceId, seq), { eventId: 1, seq: 1, hash: 1 }).lean();
    return doc ? { eventId: doc.eventId, seq: doc.seq, hash: doc.hash } : null;
  }

  async readHead(workspaceId: string): Promise<ChainHead | null> {
    const head = await this.models.heads.findById(workspaceId).lean();
    return head ? { seq: head.seq, hash: head.hash } : null;
  }

  async advanceHead(workspaceId: string, head: ChainHead): Promise<void> {
    // A plain write by workspace, no compare-and-set: the records' identities guard the chain, and
    // a head that two writers race on may end up behind the last record, which verification
    // accepts and the next append catches up from.
    await this.models.heads.replaceOne({ _id: workspaceId }, { seq: head.seq, hash: head.hash }, { upsert: true });
  }

  async recordsAt(workspaceId: string, seqs: readonly number[]): Promise<AuditRecord[]> {
    const docs = await Promise.all(seqs.map((seq) => this.models.records.findById(recordId(workspaceId, seq)).lean<AuditRecordDocument>()));
    return docs.filter((doc): doc is AuditRecordDocument => doc !== null).map(toRecord);
  }

  async findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null> {
    // Looked up by event id alone (its unique index), then scoped: another workspace's record is
    // reported as not found.
    const doc = await this.models.records.findOne({ eventId }).lean();
    return doc && doc.workspaceId === workspaceId ? toRecord(doc as AuditRecordDocument) : null;
  }

  async *stream(query: AuditQuery, options: { upTo: number | null; order: 'newest' | 'oldest' }): AsyncIterable<AuditRecord> {
    const filter = { ...filterFor(query), ...(options.upTo === null ? {} : { seq: { $lte: options.upTo } }) };
    // The audit view's filters that narrow through an index of their own (audit-record.schema); the
    // others (type, outcome, trace, time) are checked on the way down the chain.
    // query-shape: equal workspaceId; sort seq:-1; range seq
    // query-shape: equal workspaceId,tenantId; sort seq:-1; range seq
    // query-shape: equal workspaceId,subjectType,subjectId; sort seq:-1; range seq
    // query-shape: equal workspaceId,actor.id; sort seq:-1; range seq
    // query-shape: equal workspaceId,action; sort seq:-1; range seq
    const cursor = this.models.records
      .find(filter)
      .sort({ seq: options.order === 'newest' ? -1 : 1 })
      .lean()
      .cursor({ batchSize: CURSOR_BATCH });
    for await (const doc of cursor) yield toRecord(doc as AuditRecordDocument);
  }

  async *chain(workspaceId: string): AsyncIterable<AuditRecord> {
    const cursor = this.models.records.find({ workspaceId }).sort({ seq: 1 }).lean().cursor({ batchSize: CURSOR_BATCH });
    for await (const doc of cursor) yield toRecord(doc as AuditRecordDocument);
  }
}
