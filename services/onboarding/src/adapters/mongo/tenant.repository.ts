import { type EventEnvelope } from '@tenantatlas/kafka';
import { isDuplicateKeyError, RevisionLog, type OutboxTracker } from '@tenantatlas/store';
import type { Page, TenantRepository } from '../../app/ports';
import type { TenantEntity, TenantStatus } from '../../domain/tenant';
import { afterCursor, decodeCursor, encodeCursor } from './page-token';
import type { OnboardingModels } from './schemas';

type Head = { body: TenantEntity; latestRevision?: number };

/** A stored tenant as the domain knows it: a field added after it was stored takes its default. */
function toEntity(b: TenantEntity): TenantEntity {
  return { ...b, primaryDomain: b.primaryDomain ?? '', activatedAt: b.activatedAt ?? null, archivedAt: b.archivedAt ?? null };
}

/** Tenants: a head per (workspace, external id) under a unique index, versions as revisions. */
export class MongoTenantRepository implements TenantRepository {
  private readonly revisions: RevisionLog<TenantEntity>;

  /** `outbox` is told about every write that stores events, so the relay publishes them. */
  constructor(private readonly m: OnboardingModels, topic: string, outbox: OutboxTracker) {
    this.revisions = new RevisionLog({ revisions: m.tenantRevisions, heads: m.tenantHeads, topic, outbox });
  }

  async insert(tenant: TenantEntity, events: EventEnvelope[]): Promise<TenantEntity | null> {
    try {
      const { id, workspaceId, externalTenantId, createdAt } = tenant;
      await this.revisions.createHead({ _id: id, workspaceId, externalTenantId, createdAt, body: tenant }, events);
      return tenant;
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  async get(workspaceId: string, tenantId: string): Promise<TenantEntity | null> {
    // by `_id` alone (the one read a hot path makes, docs/storage.md), the workspace checked here
    const head = await this.m.tenantHeads.findOne({ _id: tenantId }, { workspaceId: 1, body: 1, latestRevision: 1 }).lean<Head & { workspaceId: string }>();
    return head && head.workspaceId === workspaceId ? this.current(head) : null;
  }

  async findByExternalId(workspaceId: string, externalTenantId: string): Promise<TenantEntity | null> {
    const head = await this.m.tenantHeads.findOne({ workspaceId, externalTenantId }, { body: 1, latestRevision: 1 }).lean<Head>();
    return head ? this.current(head) : null;
  }

  appendVersion(after: TenantEntity, events: EventEnvelope[]): Promise<boolean> {
    return this.revisions.append(after.workspaceId, after.id, after.version, after, events);
  }

  async list(workspaceId: string, status: TenantStatus | undefined, size: number, pageToken: string): Promise<Page<TenantEntity>> {
    const items: TenantEntity[] = [];
    let cursor = decodeCursor(pageToken);
    for (let batch = 0; batch < 10 && items.length < size; batch++) {
      const heads = await this.m.tenantHeads
        .find({ workspaceId, ...afterCursor(cursor) }, { _id: 1, createdAt: 1, body: 1, latestRevision: 1 })
        .sort({ createdAt: -1, _id: -1 })
        .limit(size)
        .lean<(Head & { _id: string; createdAt: Date })[]>();
      const latest = await this.revisions.latestOfMany(heads.map((h) => ({ id: h.body.id, hint: h.latestRevision })));
      for (const head of heads) {
        cursor = { createdAt: head.createdAt, id: head._id };
        const tenant = toEntity(latest.get(head.body.id)?.body ?? head.body);
        if (!status || tenant.status === status) items.push(tenant);
        if (items.length === size) break;
      }
      if (heads.length < size) return { items, nextPageToken: '' };
    }
    return { items, nextPageToken: cursor && items.length === size ? encodeCursor(cursor) : '' };
  }

  private async current(head: Head): Promise<TenantEntity> {
    const latest = await this.revisions.latest(head.body.id, head.latestRevision);
    return toEntity(latest?.body ?? head.body);
  }
}
