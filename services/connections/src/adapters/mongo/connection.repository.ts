import { listPositionToken, type ListPosition } from '@tenantatlas/core';
import { type EventEnvelope } from '@tenantatlas/kafka';
import { RevisionLog, type OutboxTracker } from '@tenantatlas/store';
import type { Connection } from '../../domain/connection';
import { connectionError } from '../../domain/errors';
import type { ConnectionPage, ConnectionRepository, DefaultHolder } from '../../app/ports';
import { defaultKey, type ConnectionHead, type ConnectionModels, type DefaultConnection, type StoredConnection } from './connection.schema';

/** Normalises a stored version (Mixed) into the entity, field by field. */
function toEntity(b: StoredConnection, isDefault: boolean): Connection {
  return {
    id: b.id,
    workspaceId: b.workspaceId,
    tenantId: b.tenantId,
    provider: b.provider,
    displayName: b.displayName,
    connectionType: b.connectionType,
    clientId: b.clientId,
    targetTenantId: b.targetTenantId,
    isDefault,
    enabled: b.enabled,
    consentStatus: b.consentStatus,
    verificationStatus: b.verificationStatus,
    lastVerifiedAt: b.lastVerifiedAt ?? null,
    lastReasonCode: b.lastReasonCode ?? '',
    verificationStale: b.verificationStale ?? false,
    credential: b.credential ?? null,
    credentialRotatedAt: b.credentialRotatedAt ?? null,
    granted: b.granted ?? null,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    version: b.version,
  };
}

function stored(c: Connection): StoredConnection {
  const { isDefault: _isDefault, ...rest } = c;
  return rest;
}

type Head = Pick<ConnectionHead, '_id' | 'workspaceId' | 'tenantId' | 'createdAt' | 'body' | 'latestRevision'>;
const HEAD_FIELDS = { _id: 1, workspaceId: 1, tenantId: 1, createdAt: 1, body: 1, latestRevision: 1 };

function decodeCursor(token: string): ListPosition {
  const position = listPositionToken.decode(token);
  if (!position) throw connectionError('CONNECTION.INVALID_PAGE_TOKEN', 'page_token is not one this service issued');
  return position;
}

/**
 * Connections as versions: the head holds version 1, every change appends the next version with
 * its events. Which connection is a tenant's default is a log of its own (see DefaultConnection).
 */
export class MongoConnectionRepository implements ConnectionRepository {
  private readonly versions: RevisionLog<StoredConnection>;
  private readonly defaults: RevisionLog<DefaultConnection>;

  /** `outbox` is told about every write that stores events, so the relay publishes them. */
  constructor(private readonly m: ConnectionModels, topic: string, outbox: OutboxTracker) {
    this.versions = new RevisionLog({ revisions: m.revisions, heads: m.heads, topic, outbox });
    this.defaults = new RevisionLog({ revisions: m.defaults, heads: m.defaultHeads, topic, outbox, firstRevision: 1 });
  }

  async insert(connection: Connection, events: EventEnvelope[]): Promise<void> {
    const { id, workspaceId, tenantId, createdAt } = connection;
    await this.versions.createHead({ _id: id, workspaceId, tenantId, createdAt, body: stored(connection), latestRevision: 1 }, events);
  }

  async find(workspaceId: string, id: string, tenantId?: string): Promise<Connection | null> {
    // by `_id` alone (the one read a hot path makes, docs/storage.md), the workspace (and a named tenant) checked here
    const head = await this.m.heads.findOne({ _id: id }, HEAD_FIELDS).lean<Head>();
    if (!head || head.workspaceId !== workspaceId || (tenantId !== undefined && head.tenantId !== tenantId)) return null;
    const [latest, holder] = await Promise.all([this.versions.latest(id, head.latestRevision), this.readDefault(workspaceId, head.tenantId)]);
    return toEntity(latest?.body ?? head.body, holder?.connectionId === id);
  }

  async list(workspaceId: string, tenantId: string | undefined, cursor: string | undefined, limit: number): Promise<ConnectionPage> {
    const filter: Record<string, unknown> = { workspaceId, ...(tenantId ? { tenantId } : {}) };
    if (cursor) {
      const { createdAt, id } = decodeCursor(cursor);
      filter.$or = [{ createdAt: { $gt: createdAt } }, { createdAt, _id: { $gt: id } }];
    }
    const heads = await this.m.heads.find(filter, HEAD_FIELDS).sort({ createdAt: 1, _id: 1 }).limit(limit + 1).lean<Head[]>();
    const page = heads.slice(0, limit);
    const tenants = [...new Set(page.map((h) => h.tenantId))];
    const [latest, holders] = await Promise.all([
      this.versions.latestOfMany(page.map((h) => ({ id: h._id, hint: h.latestRevision }))),
      Promise.all(tenants.map(async (t) => [t, (await this.readDefault(workspaceId, t))?.connectionId] as const)),
    ]);
    const defaults = new Map(holders);
    const connections = page.map((h) => toEntity(latest.get(h._id)?.body ?? h.body, defaults.get(h.tenantId) === h._id));
    return { connections, next: heads.length > limit ? listPositionToken.encode(connections[connections.length - 1]!) : undefined };
  }

  async update(current: Connection, changes: Partial<Connection>, events: (after: Connection) => EventEnvelope[]): Promise<Connection | null> {
    const after: Connection = { ...current, ...changes, isDefault: current.isDefault, version: current.version + 1 };
    const appended = await this.versions.append(current.workspaceId, current.id, after.version, stored(after), events(after));
    return appended ? after : null;
  }

  async readDefault(workspaceId: string, tenantId: string): Promise<DefaultHolder | null> {
    const latest = await this.defaults.latestOf(defaultKey(workspaceId, tenantId));
    return latest && { version: latest.revision, connectionId: latest.body.connectionId, at: new Date(latest.body.at) };
  }

  claimDefault(workspaceId: string, tenantId: string, version: number, connectionId: string, at: Date, events: EventEnvelope[]): Promise<boolean> {
    return this.defaults.append(workspaceId, defaultKey(workspaceId, tenantId), version, { connectionId, at }, events);
  }
}
