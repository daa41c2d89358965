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

/** The audit log on MongoDB/FerretDB: insert-only records, a head per workspace. */
export class MongoAuditLog implements AuditLogStore {
  constructor(private readonly models: AuditModels) {}

  async insert(record: AuditRecord): Promise<InsertOutcome> {
    try {
      await this.models.records.collection.insertOne(toDocument(record) as never);
      return 'inserted';
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Which index refused it? The servers word this differently; asking is unambiguous.
      const known = await this.models.records.exists({ _id: record.eventId });
      return known ? 'duplicate-event' : 'seq-taken';
    }
  }

  async readHead(workspaceId: string): Promise<ChainHead | null> {
    const head = await this.models.heads.findById(workspaceId).lean();
    return head ? { seq: head.seq, hash: head.hash } : null;
  }

  async advanceHead(workspaceId: string, head: ChainHead): Promise<void> {
    try {
      await this.models.heads.updateOne(
        { _id: workspaceId, seq: { $lt: head.seq } },
        { $set: { seq: head.seq, hash: head.hash } },
        { upsert: true },
      );
    } catch (err) {
      // The head is already at or past this seq (another writer advanced it): nothing to do.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  async lastRecord(workspaceId: string): Promise<ChainHead | null> {
    const last = await this.models.records
      .findOne({ workspaceId }, { seq: 1, hash: 1 })
      .sort({ seq: -1 })
      .lean();
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  async findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null> {
    const doc = await this.models.records.findOne({ _id: eventId, workspaceId }).lean();
    return doc ? toRecord(doc as AuditRecordDocument) : null;
  }

  async page(
    query: AuditQuery,
    options: { limit: number; after?: number | null; upTo?: number; order: 'newest' | 'oldest' },
  ): Promise<AuditRecord[]> {
    const seq: Record<string, number> = {};
    if (options.after != null) seq[options.order === 'newest' ? '$lt' : '$gt'] = options.after;
    if (options.upTo !== undefined) seq.$lte = options.upTo;
    const filter = filterFor(query);
    if (Object.keys(seq).length > 0) filter.seq = seq;
    const docs = await this.models.records
      .find(filter)
      .sort({ seq: options.order === 'newest' ? -1 : 1 })
      .limit(options.limit)
      .lean();
    return docs.map((doc) => toRecord(doc as AuditRecordDocument));
  }

  async chainBatch(workspaceId: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const docs = await this.models.records
      .find({ workspaceId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean();
    return docs.map((doc) => toRecord(doc as AuditRecordDocument));
  }
}
