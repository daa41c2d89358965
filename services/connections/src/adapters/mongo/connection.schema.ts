import { Schema, type Connection as MongoConnection, type Model } from 'mongoose';
import { outboxFields, type OutboxDocument } from '@tenantatlas/shared';
import { CONNECTION_TYPES, CONSENT_STATUSES, VERIFICATION_STATUSES } from '../../domain/connection';
import type { SealedCredential } from '../../domain/credential-envelope';

/**
 * One document per provider connection. `defaultSlot` exists only on a tenant's default
 * connection and holds `<workspaceId>:<tenantId>`; a sparse unique index on it is what makes "at
 * most one default per tenant" a database rule rather than a read-then-write hope.
 */
export interface ConnectionDocument extends OutboxDocument {
  _id: string;
  workspaceId: string;
  tenantId: string;
  provider: string;
  displayName: string;
  connectionType: string;
  clientId: string;
  targetTenantId: string;
  defaultSlot?: string;
  enabled: boolean;
  consentStatus: string;
  verificationStatus: string;
  lastVerifiedAt: Date | null;
  lastReasonCode: string;
  verificationStale: boolean;
  credential: SealedCredential | null;
  credentialRotatedAt: Date | null;
  granted: { application: string[]; delegated: string[]; refreshedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const credentialSchema = new Schema<SealedCredential>(
  {
    alg: { type: String, required: true },
    keyId: { type: String, required: true },
    iv: { type: String, required: true },
    tag: { type: String, required: true },
    ciphertext: { type: String, required: true },
  },
  { _id: false },
);

const grantedSchema = new Schema(
  {
    application: { type: [String], default: [] },
    delegated: { type: [String], default: [] },
    refreshedAt: { type: Date, required: true },
  },
  { _id: false },
);

const connectionSchema = new Schema<ConnectionDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    tenantId: { type: String, required: true },
    provider: { type: String, required: true },
    displayName: { type: String, required: true },
    connectionType: { type: String, required: true, enum: CONNECTION_TYPES },
    clientId: { type: String, required: true },
    targetTenantId: { type: String, required: true },
    defaultSlot: { type: String },
    enabled: { type: Boolean, required: true },
    consentStatus: { type: String, required: true, enum: CONSENT_STATUSES },
    verificationStatus: { type: String, required: true, enum: VERIFICATION_STATUSES },
    lastVerifiedAt: { type: Date, default: null },
    lastReasonCode: { type: String, default: '' },
    verificationStale: { type: Boolean, default: false },
    credential: { type: credentialSchema, default: null },
    credentialRotatedAt: { type: Date, default: null },
    granted: { type: grantedSchema, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    ...outboxFields,
  },
  { collection: 'connections', versionKey: false, timestamps: false },
);

connectionSchema.index({ defaultSlot: 1 }, { unique: true, sparse: true, name: 'one_default_per_tenant' });
connectionSchema.index({ workspaceId: 1, tenantId: 1, createdAt: 1, _id: 1 }, { name: 'by_tenant' });
connectionSchema.index({ workspaceId: 1, createdAt: 1, _id: 1 }, { name: 'by_workspace' });

export function connectionModel(mongo: MongoConnection): Model<ConnectionDocument> {
  return mongo.model<ConnectionDocument>('Connection', connectionSchema);
}

export const defaultSlot = (workspaceId: string, tenantId: string) => `${workspaceId}:${tenantId}`;
