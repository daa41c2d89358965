import { type EventEnvelope } from '@tenantatlas/kafka';
import { isDuplicateKeyError, RevisionLog, type OutboxTracker } from '@tenantatlas/store';
import type { DraftFilter, DraftRepository, Page } from '../../app/ports';
import { isTerminal, type DraftEntity } from '../../domain/draft';
import { tenantErrors } from '../../domain/errors';
import { afterCursor, decodeCursor, encodeCursor } from './page-token';
import type { OnboardingModels, OpenDraftClaim } from './schemas';

const openKey = (workspaceId: string, tenantId: string) => `${workspaceId}:${tenantId}`;

/** Normalises a stored body (Mixed) into the entity, field by field. */
function toEntity(b: DraftEntity): DraftEntity {
  return {
    id: b.id,
    workspaceId: b.workspaceId,
    tenantId: b.tenantId ?? null,
    externalTenantId: b.externalTenantId ?? '',
    tenantName: b.tenantName ?? '',
    primaryDomain: b.primaryDomain ?? '',
    currentStep: b.currentStep,
    version: b.version,
    revision: b.revision,
    lifecycleState: b.lifecycleState,
    currentCheckpoint: b.currentCheckpoint ?? null,
    lastCompletedCheckpoint: b.lastCompletedCheckpoint ?? null,
    reasonCode: b.reasonCode ?? '',
    blockingReasonCode: b.blockingReasonCode ?? '',
    completedAt: b.completedAt ?? null,
    cancelledAt: b.cancelledAt ?? null,
    cancelReason: b.cancelReason ?? '',
    startedBy: b.startedBy,
    updatedBy: b.updatedBy,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    state: b.state,
    evidence: b.evidence,
    activationOverride: b.activationOverride ?? null,
  };
}

export class MongoDraftRepository implements DraftRepository {
  private readonly revisions: RevisionLog<DraftEntity>;

  /** `outbox` is told about every write that stores events, so the relay publishes them. */
  constructor(private readonly m: OnboardingModels, topic: string, outbox: OutboxTracker) {
    this.revisions = new RevisionLog({ revisions: m.draftRevisions, heads: m.draftHeads, topic, outbox });
  }

  async insert(draft: DraftEntity, events: EventEnvelope[]): Promise<DraftEntity> {
    const claimed = draft.tenantId ? await this.claim(draft) : false;
    try {
      const { id, workspaceId, createdAt, tenantId } = draft;
      await this.revisions.createHead({ _id: id, workspaceId, createdAt, tenantId, body: draft }, events);
    } catch (err) {
      if (claimed) await this.release(draft.workspaceId, draft.tenantId!, draft.id);
      throw err;
    }
    return draft;
  }

  async get(workspaceId: string, draftId: string): Promise<DraftEntity | null> {
    // by `_id` alone (the one read a hot path makes, docs/storage.md), the workspace checked here
    const head = await this.m.draftHeads.findOne({ _id: draftId }, { workspaceId: 1, body: 1, latestRevision: 1 }).lean<{ workspaceId: string; body: DraftEntity; latestRevision?: number }>();
    if (!head || head.workspaceId !== workspaceId) return null;
    const latest = await this.revisions.latest(draftId, head.latestRevision);
    return toEntity(latest?.body ?? head.body);
  }

  async save(next: DraftEntity, expectedRevision: number, events: EventEnvelope[], options: { tenantSlotHeld?: boolean } = {}): Promise<DraftEntity | null> {
    const open = !!next.tenantId && !isTerminal(next);
    const claimed = open && !options.tenantSlotHeld ? await this.claim(next) : false;
    const appended = await this.revisions.append(next.workspaceId, next.id, expectedRevision + 1, { ...next, revision: expectedRevision + 1 }, events);
    if (!appended) {
      if (claimed) await this.release(next.workspaceId, next.tenantId!, next.id);
      return null;
    }
    if (claimed) await this.m.draftHeads.updateOne({ _id: next.id }, { $set: { tenantId: next.tenantId } });
    if (next.tenantId && !open) await this.release(next.workspaceId, next.tenantId, next.id);
    return { ...next, revision: expectedRevision + 1 };
  }

  async findOpenByTenant(workspaceId: string, tenantId: string): Promise<DraftEntity | null> {
    const claim = await this.m.openDrafts.findOne({ _id: openKey(workspaceId, tenantId) }).lean<OpenDraftClaim>();
    if (!claim) return null;
    const draft = await this.get(workspaceId, claim.draftId);
    if (draft && !isTerminal(draft)) return draft;
    if (isStale(claim, draft)) await this.release(workspaceId, tenantId, claim.draftId);
    return null;
  }

  async findOpenForEvidence(workspaceId: string, match: { tenantId?: string | null }): Promise<DraftEntity[]> {
    if (!match.tenantId) return [];
    const draft = await this.findOpenByTenant(workspaceId, match.tenantId);
    return draft ? [draft] : [];
  }

  async list(workspaceId: string, filter: DraftFilter, size: number, pageToken: string): Promise<Page<DraftEntity>> {
    const items: DraftEntity[] = [];
    let cursor = decodeCursor(pageToken);
    // Lifecycle filters apply to the current revision, so heads are read in batches until the page is full.
    for (let batch = 0; batch < 10 && items.length < size; batch++) {
      const query: Record<string, unknown> = { workspaceId, ...afterCursor(cursor) };
      if (filter.tenantId) query.tenantId = filter.tenantId;
      const heads = await this.m.draftHeads
        .find(query, { _id: 1, createdAt: 1, body: 1, latestRevision: 1 })
        .sort({ createdAt: -1, _id: -1 })
        .limit(size)
        .lean<{ _id: string; createdAt: Date; body: DraftEntity; latestRevision?: number }[]>();
      // one read for the newest revisions of the whole batch, not two reads a draft
      const latest = await this.revisions.latestOfMany(heads.map((h) => ({ id: h._id, hint: h.latestRevision })));
      for (const head of heads) {
        cursor = { createdAt: head.createdAt, id: head._id };
        const draft = toEntity(latest.get(head._id)?.body ?? head.body);
        if (matches(draft, filter)) items.push(draft);
        if (items.length === size) break;
      }
      if (heads.length < size) return { items, nextPageToken: '' };
    }
    return { items, nextPageToken: cursor && items.length === size ? encodeCursor(cursor) : '' };
  }

  /** Takes the tenant's open-draft slot for this draft; true when this call took it. */
  private async claim(draft: DraftEntity): Promise<boolean> {
    const _id = openKey(draft.workspaceId, draft.tenantId!);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.m.openDrafts.create({ _id, draftId: draft.id, workspaceId: draft.workspaceId, createdAt: new Date() });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const holder = await this.m.openDrafts.findOne({ _id }).lean<OpenDraftClaim>();
      if (!holder) continue;
      if (holder.draftId === draft.id) return false;
      const holding = await this.get(draft.workspaceId, holder.draftId);
      if (!isStale(holder, holding)) throw tenantErrors.onboardingInProgress(draft.tenantId!, holder.draftId);
      await this.release(draft.workspaceId, draft.tenantId!, holder.draftId);
    }
    throw tenantErrors.onboardingInProgress(draft.tenantId!, '');
  }

  private async release(workspaceId: string, tenantId: string, draftId: string): Promise<void> {
    await this.m.openDrafts.deleteOne({ _id: openKey(workspaceId, tenantId), draftId });
  }
}

/** A claim whose draft became terminal, or never appeared (its creator crashed), no longer holds the slot. */
const ORPHAN_AFTER_MS = 30_000;
function isStale(claim: OpenDraftClaim, draft: DraftEntity | null): boolean {
  if (draft) return isTerminal(draft);
  return Date.now() - new Date(claim.createdAt).getTime() > ORPHAN_AFTER_MS;
}

function matches(draft: DraftEntity, filter: DraftFilter): boolean {
  if (filter.lifecycleState) return draft.lifecycleState === filter.lifecycleState;
  return filter.includeTerminal || !isTerminal(draft);
}
