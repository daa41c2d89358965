import { outboxFields, revisionModel, type OutboxDocument, type RevisionDocument } from '@tenantatlas/store';
import { Schema, type Connection, type Model } from 'mongoose';
import type { DraftEntity } from '../../domain/draft';
import type { TenantEntity } from '../../domain/tenant';

/**
 * Each entity has a head (identity, creation order, revision 1 and its creation events) and
 * append-only revisions (the shared RevisionLog). The current state is the newest revision, else the head.
 */
export interface HeadDocument<T> extends OutboxDocument {
  _id: string;
  workspaceId: string;
  createdAt: Date;
  body: T;
  /** a lower bound of the newest revision (see RevisionLog.latest) */
  latestRevision: number;
}

export interface DraftHead extends HeadDocument<DraftEntity> {
  /** set when the draft is linked to a tenant (a filter hint; the revisions are the truth) */
  tenantId: string | null;
}

export interface TenantHead extends HeadDocument<TenantEntity> {
  externalTenantId: string;
}

/** `<workspace>:<tenant>` → the tenant's one open draft. Its unique `_id` is the rule. */
export interface OpenDraftClaim {
  _id: string;
  draftId: string;
  workspaceId: string;
  createdAt: Date;
}

const headFields = {
  _id: { type: String },
  workspaceId: { type: String, required: true },
  createdAt: { type: Date, required: true },
  body: { type: Schema.Types.Mixed, required: true },
  latestRevision: { type: Number, default: 1 },
  ...outboxFields,
};

function model<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

export interface OnboardingModels {
  draftHeads: Model<DraftHead>;
  draftRevisions: Model<RevisionDocument<DraftEntity>>;
  openDrafts: Model<OpenDraftClaim>;
  tenantHeads: Model<TenantHead>;
  tenantRevisions: Model<RevisionDocument<TenantEntity>>;
}

export function onboardingModels(connection: Connection): OnboardingModels {
  const draftHead = new Schema<DraftHead>({ ...headFields, tenantId: { type: String, default: null } }, { collection: 'onboarding_drafts', versionKey: false, minimize: false });
  // The draft list, newest first: a workspace's drafts, or one tenant's.
  draftHead.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  draftHead.index({ workspaceId: 1, tenantId: 1, createdAt: -1, _id: -1 });

  const claim = new Schema<OpenDraftClaim>(
    { _id: { type: String }, draftId: { type: String, required: true }, workspaceId: { type: String, required: true }, createdAt: { type: Date, required: true } },
    { collection: 'onboarding_open_drafts', versionKey: false },
  );

  const tenantHead = new Schema<TenantHead>({ ...headFields, externalTenantId: { type: String, required: true } }, { collection: 'managed_tenants', versionKey: false, minimize: false });
  // One tenant per (workspace, external tenant id): the database decides, even under concurrent creates.
  tenantHead.index({ workspaceId: 1, externalTenantId: 1 }, { unique: true });
  tenantHead.index({ workspaceId: 1, createdAt: -1, _id: -1 });

  return {
    draftHeads: model(connection, 'DraftHead', draftHead),
    draftRevisions: revisionModel<DraftEntity>(connection, 'DraftRevision', 'onboarding_draft_revisions'),
    openDrafts: model(connection, 'OpenDraftClaim', claim),
    tenantHeads: model(connection, 'TenantHead', tenantHead),
    tenantRevisions: revisionModel<TenantEntity>(connection, 'TenantRevision', 'managed_tenant_revisions'),
  };
}

/** Every model that carries an outbox (for the relay). */
export function outboxModels(m: OnboardingModels): Model<any>[] {
  return [m.draftHeads, m.draftRevisions, m.tenantHeads, m.tenantRevisions];
}
