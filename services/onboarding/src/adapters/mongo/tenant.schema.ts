import { outboxFields, type OutboxDocument } from '@tenantatlas/shared';
import { Schema, type Connection, type Model } from 'mongoose';
import type { TenantEntity } from '../../domain/tenant';

export interface TenantDocument extends Omit<TenantEntity, 'id'>, OutboxDocument {
  _id: string;
}

const tenantSchema = new Schema<TenantDocument>(
  {
    _id: { type: String },
    workspaceId: { type: String, required: true },
    externalTenantId: { type: String, required: true },
    name: { type: String, required: true },
    primaryDomain: { type: String, default: '' },
    status: { type: String, required: true },
    version: { type: Number, required: true },
    createdBy: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    activatedAt: { type: Date, default: null },
    archivedAt: { type: Date, default: null },
    ...outboxFields,
  },
  { collection: 'managed_tenants', versionKey: false, minimize: false },
);
// One tenant per (workspace, external tenant id): the database decides, even under concurrent creates.
tenantSchema.index({ workspaceId: 1, externalTenantId: 1 }, { unique: true });
tenantSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

export function tenantModel(connection: Connection): Model<TenantDocument> {
  return (connection.models.ManagedTenant as Model<TenantDocument> | undefined) ?? connection.model<TenantDocument>('ManagedTenant', tenantSchema);
}
