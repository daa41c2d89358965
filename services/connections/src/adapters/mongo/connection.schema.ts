import { Schema, type Connection as MongoConnection, type Model } from 'mongoose';
import {
  outboxFields,
  revisionHeadModel,
  revisionModel,
  type OutboxDocument,
  type RevisionDocument,
  type RevisionHeadDocument,
} from '@tenantatlas/store';
import type { Connection } from '../../domain/connection';

/** What a connection's version stores: everything but whether it is its tenant's default. */
export type StoredConnection = Omit<Connection, 'isDefault'>;

/**
 * A connection's head: its identity, where lists find it, and version 1 (its creation) with the
 * creation events. Every later version is a revision `<connection>:<version>`.
 */
export interface ConnectionHead extends OutboxDocument {
  _id: string;
  workspaceId: string;
  tenantId: string;
  createdAt: Date;
  body: StoredConnection;
  /** a lower bound of the newest version (RevisionLog.latest) */
  latestRevision: number;
}

/**
 * The tenant's default connection, as versions of the key `<workspace>:<tenant>`: the newest
 * names the default. Moving the default is appending the next version, so a tenant can never
 * have two, and the `default_changed` events of both connections travel with that version.
 */
export interface DefaultConnection {
  connectionId: string;
  /** when it was taken: a version naming a connection that never appeared is vacant after a while */
  at: Date;
}

export interface ConnectionModels {
  heads: Model<ConnectionHead>;
  revisions: Model<RevisionDocument<StoredConnection>>;
  defaults: Model<RevisionDocument<DefaultConnection>>;
  defaultHeads: Model<RevisionHeadDocument>;
}

export function connectionModels(mongo: MongoConnection): ConnectionModels {
  const head = new Schema<ConnectionHead>(
    {
      _id: { type: String, required: true },
      workspaceId: { type: String, required: true },
      tenantId: { type: String, required: true },
      createdAt: { type: Date, required: true },
      body: { type: Schema.Types.Mixed, required: true },
      latestRevision: { type: Number, default: 1 },
      ...outboxFields,
    },
    { collection: 'connections', versionKey: false, minimize: false },
  );
  head.index({ workspaceId: 1, tenantId: 1, createdAt: 1, _id: 1 }, { name: 'by_tenant' });
  head.index({ workspaceId: 1, createdAt: 1, _id: 1 }, { name: 'by_workspace' });
  return {
    heads: (mongo.models.Connection as Model<ConnectionHead> | undefined) ?? mongo.model<ConnectionHead>('Connection', head),
    revisions: revisionModel<StoredConnection>(mongo, 'ConnectionRevision', 'connection_revisions'),
    defaults: revisionModel<DefaultConnection>(mongo, 'DefaultConnection', 'connection_defaults'),
    defaultHeads: revisionHeadModel(mongo, 'DefaultConnectionHead', 'connection_default_heads'),
  };
}

/** Every model whose documents carry events, all written once by an insert (for the relay). */
export function outboxModels(m: ConnectionModels): Model<any>[] {
  return [m.heads, m.revisions, m.defaults];
}

export const defaultKey = (workspaceId: string, tenantId: string) => `${workspaceId}:${tenantId}`;
