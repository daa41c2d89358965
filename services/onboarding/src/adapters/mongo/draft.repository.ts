import { initialOutbox, isDuplicateKeyError, outboxEntries, withOutbox, type EventEnvelope } from '@tenantatlas/shared';
import type { Model } from 'mongoose';
import type { DraftFilter, DraftRepository, Page } from '../../app/ports';
import { isTerminal, TERMINAL_STATES, type DraftEntity } from '../../domain/draft';
import { tenantErrors } from '../../domain/errors';
import type { DraftDocument } from './draft.schema';
import { afterCursor, decodeCursor, encodeCursor } from './page-token';

type Stored = Omit<DraftDocument, 'outbox' | 'outboxPending' | 'outboxVersion'>;

function openTenantKey(draft: DraftEntity): string | undefined {
  return draft.tenantId && !isTerminal(draft) ? `${draft.workspaceId}:${draft.tenantId}` : undefined;
}

function toFields(draft: DraftEntity): Omit<Stored, '_id' | 'openTenantKey'> {
  const { id: _id, ...fields } = draft;
  return fields;
}

function toEntity(doc: Stored): DraftEntity {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    tenantId: doc.tenantId ?? null,
    externalTenantId: doc.externalTenantId ?? '',
    tenantName: doc.tenantName ?? '',
    primaryDomain: doc.primaryDomain ?? '',
    currentStep: doc.currentStep,
    version: doc.version,
    revision: doc.revision,
    lifecycleState: doc.lifecycleState,
    currentCheckpoint: doc.currentCheckpoint ?? null,
    lastCompletedCheckpoint: doc.lastCompletedCheckpoint ?? null,
    reasonCode: doc.reasonCode ?? '',
    blockingReasonCode: doc.blockingReasonCode ?? '',
    completedAt: doc.completedAt ?? null,
    cancelledAt: doc.cancelledAt ?? null,
    cancelReason: doc.cancelReason ?? '',
    startedBy: doc.startedBy,
    updatedBy: doc.updatedBy,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    state: doc.state,
    evidence: doc.evidence,
    activationOverride: doc.activationOverride ?? null,
  };
}

const NO_OUTBOX = { outbox: 0, outboxPending: 0, outboxVersion: 0 } as const;

export class MongoDraftRepository implements DraftRepository {
  constructor(private readonly model: Model<DraftDocument>, private readonly topic: string) {}

  async insert(draft: DraftEntity, events: EventEnvelope[]): Promise<DraftEntity> {
    const key = openTenantKey(draft);
    try {
      await this.model.create({
        _id: draft.id,
        ...toFields(draft),
        ...(key ? { openTenantKey: key } : {}),
        ...initialOutbox(outboxEntries(this.topic, events)),
      });
    } catch (err) {
      if (isDuplicateKeyError(err) && key) throw await this.inProgress(draft, key);
      throw err;
    }
    return draft;
  }

  async get(workspaceId: string, draftId: string): Promise<DraftEntity | null> {
    const doc = await this.model.findOne({ _id: draftId, workspaceId }, NO_OUTBOX).lean<Stored>();
    return doc ? toEntity(doc) : null;
  }

  async save(next: DraftEntity, expectedRevision: number, events: EventEnvelope[]): Promise<DraftEntity | null> {
    const key = openTenantKey(next);
    const update = withOutbox<DraftDocument>(
      { $set: { ...toFields(next), ...(key ? { openTenantKey: key } : {}) }, ...(key ? {} : { $unset: { openTenantKey: 1 } }) },
      outboxEntries(this.topic, events),
    );
    try {
      const doc = await this.model
        .findOneAndUpdate({ _id: next.id, workspaceId: next.workspaceId, revision: expectedRevision }, update, {
          returnDocument: 'after',
          projection: NO_OUTBOX,
        })
        .lean<Stored>();
      return doc ? toEntity(doc) : null;
    } catch (err) {
      if (isDuplicateKeyError(err) && key) throw await this.inProgress(next, key);
      throw err;
    }
  }

  async findOpenByTenant(workspaceId: string, tenantId: string): Promise<DraftEntity | null> {
    const doc = await this.model.findOne({ openTenantKey: `${workspaceId}:${tenantId}` }, NO_OUTBOX).lean<Stored>();
    return doc ? toEntity(doc) : null;
  }

  async findOpenForEvidence(
    workspaceId: string,
    match: { tenantId?: string | null; connectionId?: string; runId?: string },
  ): Promise<DraftEntity[]> {
    const or: Record<string, unknown>[] = [];
    if (match.tenantId) or.push({ tenantId: match.tenantId });
    if (match.connectionId) or.push({ 'state.selectedConnectionId': match.connectionId });
    if (match.runId) or.push({ 'state.verificationRunId': match.runId }, { 'state.bootstrapRuns.runId': match.runId });
    if (or.length === 0) return [];
    const docs = await this.model
      .find({ workspaceId, lifecycleState: { $nin: TERMINAL_STATES }, $or: or }, NO_OUTBOX)
      .limit(20)
      .lean<Stored[]>();
    return docs.map(toEntity);
  }

  async list(workspaceId: string, filter: DraftFilter, size: number, pageToken: string): Promise<Page<DraftEntity>> {
    const query: Record<string, unknown> = { workspaceId, ...afterCursor(decodeCursor(pageToken)) };
    if (filter.tenantId) query.tenantId = filter.tenantId;
    if (filter.lifecycleState) query.lifecycleState = filter.lifecycleState;
    else if (!filter.includeTerminal) query.lifecycleState = { $nin: TERMINAL_STATES };
    const docs = await this.model.find(query, NO_OUTBOX).sort({ createdAt: -1, _id: -1 }).limit(size + 1).lean<Stored[]>();
    const items = docs.slice(0, size).map(toEntity);
    const last = items[items.length - 1];
    return { items, nextPageToken: docs.length > size && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : '' };
  }

  private async inProgress(draft: DraftEntity, key: string): Promise<Error> {
    const holder = await this.model.findOne({ openTenantKey: key }, { _id: 1 }).lean<{ _id: string }>();
    return tenantErrors.onboardingInProgress(draft.tenantId ?? '', holder?._id ?? '');
  }
}
