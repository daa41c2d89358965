import { isDuplicateKeyError, packText, unpackText } from '@tenantatlas/store';
import type { AuditLogStore, ChainInsert, ChainLink, Refusal } from '../../app/ports';
import type { AuditRecord, ChainHead } from '../../domain/audit-record';
import { sliceByTenant, type SealedSegment, type TenantSlice } from '../../domain/chain-segment';
import type { AuditModels, AuditRecordDocument, SegmentDocument, SliceMarkDocument, TenantSliceDocument } from './audit-record.schema';

/**
 * A record's identity is its place on its workspace's chain: no two records can take one place,
 * and the append path finds any record it needs by this key alone.
 */
export function recordId(workspaceId: string, seq: number): string {
  return `${workspaceId}:${seq}`;
}

/** A sealed segment's identity: its place among its workspace's segments. */
export function segmentId(workspaceId: string, segment: number): string {
  return `${workspaceId}:${segment}`;
}

/** The stored form of a record (exported for test fixtures that seed a chain in bulk). */
export function toDocument(record: AuditRecord): AuditRecordDocument {
  return { _id: recordId(record.workspaceId, record.seq), ...record };
}

/**
 * The stored form of a sealed segment, its text packed (exported for test fixtures that seed a
 * chain in bulk). A segment is written once and read whole by every export, verification and
 * filtered page, so it is stored at a quarter of its size (gzip of JSON lines) and read in less
 * than half the time (docs/storage.md).
 */
export async function toSegmentDocument(sealed: SealedSegment): Promise<SegmentDocument> {
  const { text, ...bounds } = sealed;
  return { _id: segmentId(sealed.workspaceId, sealed.segment), ...bounds, packed: await packText(text) };
}

/** A tenant slice's identity: its segment's, then the tenant. */
export function tenantSliceId(workspaceId: string, segment: number, tenantId: string): string {
  return `${segmentId(workspaceId, segment)}:${tenantId}`;
}

/**
 * What sealing a segment writes, in the order it must be written: its tenant slices, then the mark that says they are all there,
 * then the segment. A crash between them leaves slices no reader trusts without the mark (a
 * slice is whole by itself, so one found is still right), and the next sealer writes the rest.
 */
async function sealingWrites(sealed: SealedSegment): Promise<{ collection: string; documents: { _id: string }[] }[]> {
  const slices = sliceByTenant(sealed);
  const sliceDocuments: TenantSliceDocument[] = await Promise.all(
    slices.map(async ({ text, ...slice }) => ({ _id: tenantSliceId(slice.workspaceId, slice.segment, slice.tenantId), ...slice, packed: await packText(text) })),
  );
  const mark: SliceMarkDocument = { _id: segmentId(sealed.workspaceId, sealed.segment), slices: slices.length };
  return [
    { collection: 'audit_tenant_slices', documents: sliceDocuments },
    { collection: 'audit_slice_marks', documents: [mark] },
    { collection: 'audit_segments', documents: [await toSegmentDocument(sealed)] },
  ];
}

/** A database as sealing uses it: the driver's `Db` or a mongoose connection. */
interface SealingTarget {
  collection(name: string): { insertMany(documents: never[], options: { ordered: false }): Promise<unknown> };
}

/**
 * Writes a sealed segment with its slices (exported for test fixtures that seed a chain in bulk):
 * each document is written once whoever seals, so one already there holds the same and is left.
 */
export async function writeSealed(database: SealingTarget, sealed: SealedSegment): Promise<void> {
  for (const { collection, documents } of await sealingWrites(sealed)) {
    if (documents.length === 0) continue;
    try {
      await database.collection(collection).insertMany(documents as never[], { ordered: false });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}

function toRecord(doc: AuditRecordDocument): AuditRecord {
  const { _id, ...rest } = doc;
  return {
    ...rest,
    tenantId: rest.tenantId ?? null,
    actor: { kind: rest.actor.kind, id: rest.actor.id, displayName: rest.actor.displayName ?? null },
    outcome: rest.outcome ?? null,
    reasonCode: rest.reasonCode ?? null,
    before: rest.before ?? {},
    after: rest.after ?? {},
    details: rest.details ?? {},
    traceId: rest.traceId ?? null,
  };
}


type WriteErrorShape = { index?: number; keyPattern?: Record<string, unknown>; err?: { keyPattern?: Record<string, unknown> } };

function firstWriteError(err: unknown): WriteErrorShape | undefined {
  const { writeErrors } = (err ?? {}) as { writeErrors?: WriteErrorShape[] | WriteErrorShape };
  return Array.isArray(writeErrors) ? writeErrors[0] : writeErrors;
}

/** Which unique key refused an insert, when the server says (MongoDB does, per write error; FerretDB does not). */
function refusal(err: unknown): Refusal {
  const first = firstWriteError(err);
  const keyPattern = (err as WriteErrorShape).keyPattern ?? first?.err?.keyPattern ?? first?.keyPattern;
  if (keyPattern && 'eventId' in keyPattern) return 'duplicate-event';
  if (keyPattern && ('_id' in keyPattern || 'seq' in keyPattern)) return 'seq-taken';
  return 'unknown';
}

/** The position of the first record an ordered insert refused. */
function firstRefused(err: unknown): number {
  const index = firstWriteError(err)?.index;
  return typeof index === 'number' ? index : 0;
}

/** How many records one insert carries at most (docs/storage.md: an ordered insert stops at a refusal only within this size). */
const INSERT_SLICE = 100;

/** The audit log on MongoDB/FerretDB: insert-only records, a head per workspace. */
export class MongoAuditLog implements AuditLogStore {
  constructor(private readonly models: AuditModels) {}

  async insertChain(records: AuditRecord[]): Promise<ChainInsert> {
    // A chain is stored front to back and nothing after a refused place may land: a record behind
    // a refusal would hang from a hash that is not on the chain.
    for (let start = 0; start < records.length; start += INSERT_SLICE) {
      const slice = records.slice(start, start + INSERT_SLICE);
      try {
        await this.models.records.collection.insertMany(slice.map(toDocument) as never[], { ordered: true });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        return { inserted: start + firstRefused(err), refused: refusal(err) };
      }
    }
    return { inserted: records.length };
  }

  async linkAt(workspaceId: string, seq: number): Promise<ChainLink | null> {
    const doc = await this.models.records.findById(recordId(workspaceId, seq), { eventId: 1, seq: 1, hash: 1 }).lean();
    return doc ? { eventId: doc.eventId, seq: doc.seq, hash: doc.hash } : null;
  }

  async readHead(workspaceId: string): Promise<ChainHead | null> {
    const head = await this.models.heads.findById(workspaceId).lean();
    return head ? { seq: head.seq, hash: head.hash } : null;
  }

  async advanceHead(workspaceId: string, head: ChainHead): Promise<void> {
    // A plain write by workspace, no compare-and-set: the records' identities guard the chain, and
    // a head that two writers race on may end up behind the last record, which verification
    // accepts and the next append catches up from.
    await this.models.heads.replaceOne({ _id: workspaceId }, { seq: head.seq, hash: head.hash }, { upsert: true });
  }

  async recordsAt(workspaceId: string, seqs: readonly number[]): Promise<AuditRecord[]> {
    const docs = await Promise.all(seqs.map((seq) => this.models.records.findById(recordId(workspaceId, seq)).lean<AuditRecordDocument>()));
    return docs.filter((doc): doc is AuditRecordDocument => doc !== null).map(toRecord);
  }

  async findByEventId(workspaceId: string, eventId: string): Promise<AuditRecord | null> {
    // Looked up by event id alone (its unique index), then scoped: another workspace's record is
    // reported as not found.
    const doc = await this.models.records.findOne({ eventId }).lean();
    return doc && doc.workspaceId === workspaceId ? toRecord(doc as AuditRecordDocument) : null;
  }

  async segmentAt(workspaceId: string, segment: number): Promise<SealedSegment | null> {
    const doc = await this.models.segments.findById(segmentId(workspaceId, segment)).lean<SegmentDocument>();
    if (!doc) return null;
    const { _id, packed, text, ...bounds } = doc;
    return { ...bounds, text: packed ? await unpackText(packed) : (text ?? '') };
  }

  async insertSegment(sealed: SealedSegment): Promise<void> {
    await writeSealed(this.models.segments.db, sealed);
  }

  async tenantSliceAt(workspaceId: string, segment: number, tenantId: string): Promise<TenantSlice | 'none' | null> {
    const slice = await this.models.tenantSlices.findById(tenantSliceId(workspaceId, segment, tenantId)).lean<TenantSliceDocument>();
    if (slice) return { workspaceId, segment, tenantId, text: await unpackText(slice.packed) };
    return (await this.models.sliceMarks.findById(segmentId(workspaceId, segment)).lean()) ? 'none' : null;
  }

  async archivedThrough(workspaceId: string): Promise<number> {
    return (await this.models.archiveMarks.findById(workspaceId).lean())?.segment ?? 0;
  }

  async markArchived(workspaceId: string, segment: number): Promise<void> {
    await this.models.archiveMarks.replaceOne({ _id: workspaceId }, { segment }, { upsert: true });
  }

  async removeRecords(workspaceId: string, seqs: readonly number[]): Promise<void> {
    const deletes = seqs.map((seq) => ({ deleteOne: { filter: { _id: recordId(workspaceId, seq) } } }));
    // one delete by `_id` a record, sent together
    // query-shape: equal _id
    if (deletes.length > 0) await this.models.records.bulkWrite(deletes, { ordered: false });
  }
}
