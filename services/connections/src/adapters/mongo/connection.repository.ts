import { DocumentLocks, initialOutbox, invalidArgument, isDuplicateKeyError, outboxEntries, trackAfter, withOutbox, type EventEnvelope, type OutboxTracker } from '@tenantatlas/shared';
import type { Model, UpdateQuery } from 'mongoose';
import type { Connection } from '../../domain/connection';
import { DefaultTakenError, type ConnectionPage, type ConnectionRepository } from '../../app/ports';
import { defaultSlot, type ConnectionDocument } from './connection.schema';

function toEntity(doc: ConnectionDocument): Connection {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    tenantId: doc.tenantId,
    provider: doc.provider as Connection['provider'],
    displayName: doc.displayName,
    connectionType: doc.connectionType as Connection['connectionType'],
    clientId: doc.clientId,
    targetTenantId: doc.targetTenantId,
    isDefault: doc.defaultSlot !== undefined && doc.defaultSlot !== null,
    enabled: doc.enabled,
    consentStatus: doc.consentStatus as Connection['consentStatus'],
    verificationStatus: doc.verificationStatus as Connection['verificationStatus'],
    lastVerifiedAt: doc.lastVerifiedAt ?? null,
    lastReasonCode: doc.lastReasonCode ?? '',
    verificationStale: doc.verificationStale ?? false,
    credential: doc.credential ?? null,
    credentialRotatedAt: doc.credentialRotatedAt ?? null,
    granted: doc.granted ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

/** The stored fields of an entity (everything but id and the derived isDefault). */
function fields(c: Partial<Connection>): Record<string, unknown> {
  const { id: _id, isDefault: _isDefault, ...rest } = c;
  return rest;
}

const PROJECTION = { outbox: 0 };

function encodeCursor(c: Connection): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id]), 'utf8').toString('base64url');
}

function decodeCursor(token: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof id === 'string' && !Number.isNaN(date.getTime())) return [date, id];
  } catch {
    // fall through
  }
  throw invalidArgument('CONNECTION.INVALID_PAGE_TOKEN', 'page_token is not one this service issued');
}

export class MongoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly model: Model<ConnectionDocument>,
    private readonly topic: string,
    /** told about every write that stores events, so the relay publishes them */
    private readonly outbox: OutboxTracker,
    /** shared with the outbox relay: every write of one connection runs alone (FerretDB, see DocumentLocks) */
    private readonly locks: DocumentLocks,
  ) {}

  async insert(connection: Connection, events: EventEnvelope[]): Promise<void> {
    const doc = {
      _id: connection.id,
      ...fields(connection),
      ...(connection.isDefault ? { defaultSlot: defaultSlot(connection.workspaceId, connection.tenantId) } : {}),
      ...initialOutbox(outboxEntries(this.topic, events)),
    };
    try {
      await trackAfter(this.outbox, this.model, connection.id, () => this.model.collection.insertOne(doc as never));
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DefaultTakenError();
      throw err;
    }
  }

  async find(workspaceId: string, id: string, tenantId?: string): Promise<Connection | null> {
    // by `_id` alone (an index lookup on FerretDB too), the workspace (and a named tenant) checked here
    const doc = await this.model.findOne({ _id: id }, PROJECTION).lean<ConnectionDocument>();
    if (!doc || doc.workspaceId !== workspaceId || (tenantId !== undefined && doc.tenantId !== tenantId)) return null;
    return toEntity(doc);
  }

  async findDefault(workspaceId: string, tenantId: string): Promise<Connection | null> {
    const doc = await this.model.findOne({ defaultSlot: defaultSlot(workspaceId, tenantId) }, PROJECTION).lean<ConnectionDocument>();
    return doc && doc.workspaceId === workspaceId ? toEntity(doc) : null;
  }

  async list(workspaceId: string, tenantId: string | undefined, cursor: string | undefined, limit: number): Promise<ConnectionPage> {
    const filter: Record<string, unknown> = { workspaceId, ...(tenantId ? { tenantId } : {}) };
    if (cursor) {
      const [at, id] = decodeCursor(cursor);
      filter.$or = [{ createdAt: { $gt: at } }, { createdAt: at, _id: { $gt: id } }];
    }
    const docs = await this.model.find(filter, PROJECTION).sort({ createdAt: 1, _id: 1 }).limit(limit + 1).lean<ConnectionDocument[]>();
    const connections = docs.slice(0, limit).map(toEntity);
    return { connections, next: docs.length > limit ? encodeCursor(connections[connections.length - 1]!) : undefined };
  }

  async update(current: Connection, changes: Partial<Connection>, events: (after: Connection) => EventEnvelope[]): Promise<Connection | null> {
    const after: Connection = { ...current, ...changes, version: current.version + 1 };
    const update: UpdateQuery<ConnectionDocument> = { $set: fields(changes), $inc: { version: 1 } };
    if (changes.isDefault === true) update.$set = { ...update.$set, defaultSlot: defaultSlot(current.workspaceId, current.tenantId) };
    if (changes.isDefault === false) update.$unset = { defaultSlot: 1 };
    try {
      const result = await trackAfter(this.outbox, this.model, current.id, () =>
        this.locks.run(current.id, () =>
          this.model
            .updateOne(
              { _id: current.id, workspaceId: current.workspaceId, version: current.version },
              withOutbox(update, outboxEntries(this.topic, events(after))),
            )
            .exec(),
        ),
      );
      if (result.matchedCount !== 1) return null;
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DefaultTakenError();
      throw err;
    }
    return after;
  }
}
