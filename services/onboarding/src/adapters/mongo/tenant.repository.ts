import { initialOutbox, isDuplicateKeyError, outboxEntries, withOutbox, type EventEnvelope } from '@tenantatlas/shared';
import type { Model } from 'mongoose';
import type { Page, TenantRepository } from '../../app/ports';
import { sourceStatuses, type TenantEntity, type TenantStatus, type TenantTransition } from '../../domain/tenant';
import { afterCursor, decodeCursor, encodeCursor } from './page-token';
import type { TenantDocument } from './tenant.schema';

type Stored = Omit<TenantDocument, 'outbox' | 'outboxPending' | 'outboxVersion'>;
const NO_OUTBOX = { outbox: 0, outboxPending: 0, outboxVersion: 0 } as const;

function toEntity(doc: Stored): TenantEntity {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    externalTenantId: doc.externalTenantId,
    name: doc.name,
    primaryDomain: doc.primaryDomain ?? '',
    status: doc.status,
    version: doc.version,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    activatedAt: doc.activatedAt ?? null,
    archivedAt: doc.archivedAt ?? null,
  };
}

export class MongoTenantRepository implements TenantRepository {
  constructor(private readonly model: Model<TenantDocument>, private readonly topic: string) {}

  async insert(tenant: TenantEntity, events: EventEnvelope[]): Promise<TenantEntity | null> {
    const { id, ...fields } = tenant;
    try {
      await this.model.create({ _id: id, ...fields, ...initialOutbox(outboxEntries(this.topic, events)) });
      return tenant;
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  async get(workspaceId: string, tenantId: string): Promise<TenantEntity | null> {
    const doc = await this.model.findOne({ _id: tenantId, workspaceId }, NO_OUTBOX).lean<Stored>();
    return doc ? toEntity(doc) : null;
  }

  async findByExternalId(workspaceId: string, externalTenantId: string): Promise<TenantEntity | null> {
    const doc = await this.model.findOne({ workspaceId, externalTenantId }, NO_OUTBOX).lean<Stored>();
    return doc ? toEntity(doc) : null;
  }

  async transition(
    workspaceId: string,
    tenantId: string,
    transition: TenantTransition,
    update: { status: TenantStatus; expectedVersion?: number; at: Date },
    events: (after: TenantEntity) => EventEnvelope[],
  ): Promise<TenantEntity | null> {
    const filter: Record<string, unknown> = { _id: tenantId, workspaceId, status: { $in: sourceStatuses(transition) } };
    if (update.expectedVersion !== undefined) filter.version = update.expectedVersion;
    const current = await this.model.findOne(filter, NO_OUTBOX).lean<Stored>();
    if (!current) return null;
    const set: Record<string, unknown> = { status: update.status, updatedAt: update.at };
    if (transition === 'activate') set.activatedAt = update.at;
    if (transition === 'archive') set.archivedAt = update.at;
    if (transition === 'restore') set.archivedAt = null;
    const after = toEntity({ ...current, ...set, version: current.version + 1 } as Stored);
    // Compare-and-set on the version read, so two transitions never both apply.
    const doc = await this.model
      .findOneAndUpdate(
        { ...filter, version: current.version },
        withOutbox<TenantDocument>({ $set: set, $inc: { version: 1 } }, outboxEntries(this.topic, events(after))),
        { returnDocument: 'after', projection: NO_OUTBOX },
      )
      .lean<Stored>();
    return doc ? toEntity(doc) : null;
  }

  async list(workspaceId: string, status: TenantStatus | undefined, size: number, pageToken: string): Promise<Page<TenantEntity>> {
    const query: Record<string, unknown> = { workspaceId, ...afterCursor(decodeCursor(pageToken)) };
    if (status) query.status = status;
    const docs = await this.model.find(query, NO_OUTBOX).sort({ createdAt: -1, _id: -1 }).limit(size + 1).lean<Stored[]>();
    const items = docs.slice(0, size).map(toEntity);
    const last = items[items.length - 1];
    return { items, nextPageToken: docs.length > size && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : '' };
  }
}
