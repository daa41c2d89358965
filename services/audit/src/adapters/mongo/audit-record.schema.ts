import { Schema, type Connection, type Model, type SchemaDefinition } from 'mongoose';
import type { SealedSegment, TenantSlice } from '../../domain/chain-segment';

/** Field types every document here needs set. */
const requiredText = { type: String, required: true } as const;
const requiredTime = { type: Date, required: true } as const;
const requiredNumber = { type: Number, required: true } as const;

/** Every audit collection: documents keyed by a string `_id` the service chooses, no version key. */
function keyedSchema<T>(collection: string, fields: SchemaDefinition): Schema<T> {
  return new Schema<T>({ _id: { type: String }, ...fields }, { collection, versionKey: false });
}

/**
 * One stored audit record. `_id` is its place on the chain (`<workspace>:<seq>`), so a place can be
 * taken once only; the unique event id means an event can be recorded once only.
 */
export interface AuditRecordDocument {
  _id: string;
  eventId: string;
  workspaceId: string;
  seq: number;
  tenantId: string | null;
  type: string;
  action: string;
  sourceService: string;
  actor: { kind: 'user' | 'system'; id: string; displayName: string | null };
  subjectType: string;
  subjectId: string;
  outcome: string | null;
  reasonCode: string | null;
  before?: Record<string, string>;
  after?: Record<string, string>;
  details?: Record<string, string>;
  traceId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  prevHash: string;
  hash: string;
}

const auditRecordSchema = keyedSchema<AuditRecordDocument>('audit_records', {
  eventId: requiredText,
  workspaceId: requiredText,
  seq: requiredNumber,
  tenantId: { type: String, default: null },
  type: requiredText,
  action: requiredText,
  sourceService: requiredText,
  actor: {
    kind: requiredText,
    id: requiredText,
    displayName: { type: String, default: null },
  },
  subjectType: requiredText,
  subjectId: { type: String, default: '' },
  outcome: { type: String, default: null },
  reasonCode: { type: String, default: null },
  before: { type: Schema.Types.Mixed },
  after: { type: Schema.Types.Mixed },
  details: { type: Schema.Types.Mixed },
  traceId: { type: String, default: null },
  occurredAt: requiredTime,
  recordedAt: requiredTime,
  prevHash: requiredText,
  hash: requiredText,
});
// One record per event, however often it is delivered and by whichever replica.
auditRecordSchema.index({ eventId: 1 }, { unique: true });
// One record per place. The `_id` already allows one record per seq; this index says so too, for
// databases written before records were identified by their place. (No read queries by it: the
// chain is read by `_id`, a record or a sealed segment at a time.)
auditRecordSchema.index({ workspaceId: 1, seq: 1 }, { unique: true });

/**
 * A full segment of a workspace's chain, its records stored together (domain/chain-segment): `_id`
 * is `<workspace>:<segment>`, so a segment is sealed once whoever seals it. Its text is stored
 * gzip-compressed (`packed`, see docs/storage.md); segments sealed before that keep `text`.
 */
export type SegmentDocument = Omit<SealedSegment, 'text'> & { _id: string; packed?: Buffer; text?: string };

const segmentSchema = keyedSchema<SegmentDocument>('audit_segments', {
  workspaceId: requiredText,
  segment: requiredNumber,
  lastHash: requiredText,
  occurredFrom: requiredTime,
  occurredTo: requiredTime,
  recordedTo: requiredTime,
  packed: { type: Buffer },
  text: { type: String },
});

/**
 * One tenant's records of a sealed segment (domain/chain-segment): `_id` is
 * `<workspace>:<segment>:<tenant>`, its text packed like the segment's.
 */
export type TenantSliceDocument = Omit<TenantSlice, 'text'> & { _id: string; packed: Buffer };

const tenantSliceSchema = keyedSchema<TenantSliceDocument>('audit_tenant_slices', {
  workspaceId: requiredText,
  segment: requiredNumber,
  tenantId: requiredText,
  packed: { type: Buffer, required: true },
});

/**
 * Says a segment's slices are all written (`_id` is the segment's): without it a reader cannot
 * tell a tenant with no records in the segment from a segment not sliced.
 */
export interface SliceMarkDocument {
  _id: string;
  slices: number;
}

const sliceMarkSchema = keyedSchema<SliceMarkDocument>('audit_slice_marks', {
  slices: requiredNumber,
});

/** How far retention got in a workspace: the records of segments 1..`segment` were removed. */
export interface ArchiveMarkDocument {
  _id: string;
  segment: number;
}

const archiveMarkSchema = keyedSchema<ArchiveMarkDocument>('audit_archive_marks', {
  segment: requiredNumber,
});

/** The stored head of each workspace's chain; it may lag behind the records, never lead them. */
export interface ChainHeadDocument {
  _id: string;
  seq: number;
  hash: string;
}

const chainHeadSchema = keyedSchema<ChainHeadDocument>('audit_chain_heads', {
  seq: requiredNumber,
  hash: requiredText,
});

/** A message that could not become an audit record; keyed by its Kafka position (counted once). */
export interface DeadLetterDocument {
  _id: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  at: Date;
}

const deadLetterSchema = keyedSchema<DeadLetterDocument>('audit_dead_letters', {
  topic: requiredText,
  partition: requiredNumber,
  offset: requiredText,
  reason: requiredText,
  at: requiredTime,
});

export interface AuditModels {
  records: Model<AuditRecordDocument>;
  heads: Model<ChainHeadDocument>;
  segments: Model<SegmentDocument>;
  tenantSlices: Model<TenantSliceDocument>;
  sliceMarks: Model<SliceMarkDocument>;
  archiveMarks: Model<ArchiveMarkDocument>;
  deadLetters: Model<DeadLetterDocument>;
}

export function auditModels(connection: Connection): AuditModels {
  return {
    records: connection.model<AuditRecordDocument>('AuditRecord', auditRecordSchema),
    heads: connection.model<ChainHeadDocument>('AuditChainHead', chainHeadSchema),
    segments: connection.model<SegmentDocument>('AuditSegment', segmentSchema),
    tenantSlices: connection.model<TenantSliceDocument>('AuditTenantSlice', tenantSliceSchema),
    sliceMarks: connection.model<SliceMarkDocument>('AuditSliceMark', sliceMarkSchema),
    archiveMarks: connection.model<ArchiveMarkDocument>('AuditArchiveMark', archiveMarkSchema),
    deadLetters: connection.model<DeadLetterDocument>('AuditDeadLetter', deadLetterSchema),
  };
}
