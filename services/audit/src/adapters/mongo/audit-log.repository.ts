import { isDuplicateKeyError } from '@tenantatlas/shared';
import type { QueryFilter } from 'mongoose';
import type { AuditLogStore, InsertOutcome } from '../../app/ports';
import type { AuditQuery } from '../../domain/audit-query';
import type { AuditRecord, ChainHead } from '../../domain/hash-chain';
import type { AuditModels, AuditRecordDocument } from './audit-record.schema';

function toDocument(record: AuditRecord): AuditRecordDocument {
  const { eventId, ...rest } = record;
  return { _id: eventId, ...rest };
}

function toRecord(doc: AuditRecordDocument): AuditRecord {
  const { _id, ...rest } = doc;
  return {
    ...rest,
    eventId: _id,
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

/** The audit log on MongoDB/FerretDB: insert-only records, a head per workspace. */
export class MongoAuditLog implements AuditLogStore {
  constructor(private readonly models: AuditModels) {}

  async hasEvent(eventId: string): Promise<boolean> {
    return (await this.models.records.exists({ _id: eventId })) !== null;
  }

  async insert(record: AuditRecord): Promise<InsertOutcome> {
    try {
      await this.models.records.collection.insertOne(toDocument(record) as never);
      return 'inserted';
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Which index refused it? The servers word this differently; asking is unambiguous.
      return (await this.hasEvent(record.eventId)) ? 'duplicate-event' : 'seq-taken';
    }
  }

  async insertInOrder(records: AuditRecord[]): Promise<number> {
    try {
      await this.models.records.collection.insertMany(records.map(toDocument) as never[], { ordered: true });
      return records.length;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // ordered: everything before the first refused record went in
      const firstRefused = (err as { writeErrors?: { index: number }[] | { index: number } }).writeErrors;
      const index = Array.isArray(firstRefused) ? firstRefused[0]?.index : firstRefused?.index;
      return typeof index === 'number' ? index : 0;
    }
  }

  async readHead(workspaceId: string): Promise<ChainHead | null> {
    const head = await this.models.heads.findById(workspaceId).lean();
    return head ? { seq: head.seq, hash: head.hash } : null;
  }

  async advanceHead(workspaceId: string, head: ChainHead): Promise<void> {
    // A plain write by _id (the one filter FerretDB answers from an index). No compare-and-set is
    // needed: appends to a workspace are serialized per process, and if two replicas race, the
    // head may move back to an earlier record — a lagging head, which verification accepts and
    // the next append repairs. The records' unique (workspace, seq) index is what guards the chain.
    await this.models.heads.updateOne({ _id: workspaceId }, { $set: { seq: head.seq, hash: head.hash } }, { upsert: true });
  }

  async lastRecord(workspaceId: string): Promise<ChainHead | null> {
    const last = await this.models.records
      .findOne({ workspaceId }, { seq: 1, hash: 1 })
      .sort({ seq: -1 })
      .lean();
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  async findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null> {
    // Looked up by _id alone (indexed on FerretDB too), then scoped: another workspace's record
    // is reported as not found.
    const doc = await this.models.records.findById(eventId).lean();
    return doc && doc.workspaceId === workspaceId ? toRecord(doc as AuditRecordDocument) : null;
  }

  async page(query: AuditQuery, options: { limit: number; before: number | null }): Promise<AuditRecord[]> {
    const filter = filterFor(query);
    if (options.before !== null) filter.seq = { $lt: options.before };
    const docs = await this.models.records.find(filter).sort({ seq: -1 }).limit(options.limit).lean();
    return docs.map((doc) => toRecord(doc as AuditRecordDocument));
  }

  async *stream(query: AuditQuery, options: { upTo: number; order: 'newest' | 'oldest' }): AsyncIterable<AuditRecord> {
    const filter = { ...filterFor(query), seq: { $lte: options.upTo } };
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
