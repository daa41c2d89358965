import { outboxFields, type OutboxDocument } from '@tenantatlas/shared';
import { Schema, type Connection, type Model } from 'mongoose';
import type { DraftEntity } from '../../domain/draft';

/** Stored form of a draft: the entity plus the outbox and the open-draft slot. */
export interface DraftDocument extends Omit<DraftEntity, 'id'>, OutboxDocument {
  _id: string;
  /**
   * `<workspace>:<tenant>` while the draft is open and linked to a tenant, absent otherwise. A
   * sparse unique index on it makes "one open draft per tenant" a database rule.
   */
  openTenantKey?: string;
}

const draftSchema = new Schema<DraftDocument>(
  {
    _id: { type: String },
    workspaceId: { type: String, required: true },
    tenantId: { type: String, default: null },
    externalTenantId: { type: String, default: '' },
    tenantName: { type: String, default: '' },
    primaryDomain: { type: String, default: '' },
    currentStep: { type: String, required: true },
    version: { type: Number, required: true },
    revision: { type: Number, required: true },
    lifecycleState: { type: String, required: true },
    currentCheckpoint: { type: String, default: null },
    lastCompletedCheckpoint: { type: String, default: null },
    reasonCode: { type: String, default: '' },
    blockingReasonCode: { type: String, default: '' },
    completedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    cancelReason: { type: String, default: '' },
    startedBy: { type: Schema.Types.Mixed, required: true },
    updatedBy: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    evidence: { type: Schema.Types.Mixed, required: true },
    activationOverride: { type: Schema.Types.Mixed, default: null },
    openTenantKey: { type: String },
    ...outboxFields,
  },
  { collection: 'onboarding_drafts', versionKey: false, minimize: false },
);
draftSchema.index({ openTenantKey: 1 }, { unique: true, sparse: true });
draftSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
draftSchema.index({ workspaceId: 1, tenantId: 1 });
draftSchema.index({ workspaceId: 1, 'state.selectedConnectionId': 1 });
draftSchema.index({ workspaceId: 1, 'state.verificationRunId': 1 });

export function draftModel(connection: Connection): Model<DraftDocument> {
  return (connection.models.Draft as Model<DraftDocument> | undefined) ?? connection.model<DraftDocument>('Draft', draftSchema);
}
