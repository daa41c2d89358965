import { connectMongo, ensureIndexes } from '@tenantatlas/store';
import { testInfra, uniqueName } from '@tenantatlas/testing';
import type { Connection } from 'mongoose';
import { chainFrom, EMPTY_HEAD, type AuditRecord } from '../../domain/audit-record';
import { SEGMENT_PLACES, sealSegment, sliceByTenant } from '../../domain/chain-segment';
import { auditEntry } from '../../testing/audit-entry';
import { auditModels } from './audit-record.schema';
import { MongoAuditLog } from './audit-log.repository';

function chainOf(workspaceId: string, count: number): AuditRecord[] {
  return chainFrom(
    EMPTY_HEAD,
    Array.from({ length: count }, () => auditEntry(uniqueName('event'), workspaceId)),
  );
}

describe('the audit log stores a chain front to back (real FerretDB)', () => {
  let mongo: Connection;
  let log: MongoAuditLog;
  let models: ReturnType<typeof auditModels>;

  beforeAll(async () => {
    mongo = await connectMongo(testInfra().mongoUrl, uniqueName('audit_log_itest'));
    models = auditModels(mongo);
    await ensureIndexes([models.records, models.heads]);
    log = new MongoAuditLog(models);
  });

  afterAll(async () => {
    await mongo?.dropDatabase();
    await mongo?.close();
  });

  it('stores nothing behind a place another writer took, however long the chain', async () => {
    const workspaceId = uniqueName('ws');
    const chain = chainOf(workspaceId, 250);
    // another writer already holds place 31
    expect(await log.insertChain([chain[30]!])).toEqual({ inserted: 1 });

    const result = await log.insertChain(chain);

    expect(result.inserted).toBe(30);
    const stored = await models.records.countDocuments({ workspaceId });
    expect(stored).toBe(31);
    expect(await log.linkAt(workspaceId, 32)).toBeNull();
    expect(await log.linkAt(workspaceId, 250)).toBeNull();
  });

  it('stores a whole chain longer than one insert', async () => {
    const workspaceId = uniqueName('ws');
    const chain = chainOf(workspaceId, 230);

    expect(await log.insertChain(chain)).toEqual({ inserted: 230 });
    expect(await models.records.countDocuments({ workspaceId })).toBe(230);
    expect((await log.linkAt(workspaceId, 230))?.hash).toBe(chain[229]!.hash);
  });

  it('seals a segment once, packed, and still reads one sealed before segments were packed', async () => {
    const workspaceId = uniqueName('ws');
    const sealed = sealSegment(chainOf(workspaceId, SEGMENT_PLACES))!;
    await log.insertSegment(sealed);
    // a second sealer writes the same segment: refused, ignored
    await log.insertSegment(sealed);
    expect(await log.segmentAt(workspaceId, 1)).toEqual(sealed);
    const stored = (await models.segments.collection.findOne({ _id: `${workspaceId}:1` as never }))!;
    expect(stored.text).toBeUndefined();
    expect(stored.packed.buffer.length).toBeLessThan(sealed.text.length / 2);

    const legacy = { ...sealed, segment: 2 };
    await models.segments.collection.insertOne({ _id: `${workspaceId}:2` as never, ...legacy });
    expect(await log.segmentAt(workspaceId, 2)).toEqual(legacy);
  });

  it("seals a segment with its tenants' slices: a tenant's records, 'none' for a tenant without any, null before the mark", async () => {
    const workspaceId = uniqueName('ws');
    const records = chainFrom(
      EMPTY_HEAD,
      Array.from({ length: SEGMENT_PLACES }, (_, i) => ({ ...auditEntry(uniqueName('event'), workspaceId), tenantId: i % 2 === 0 ? 'tenant-even' : null })),
    );
    const sealed = sealSegment(records)!;
    await log.insertSegment(sealed);
    await log.insertSegment(sealed);
    expect(await log.tenantSliceAt(workspaceId, 1, 'tenant-even')).toEqual(sliceByTenant(sealed)[0]);
    expect(await log.tenantSliceAt(workspaceId, 1, 'tenant-other')).toBe('none');
    // a segment sealed before segments were sliced has no mark: the reader reads it whole
    await models.segments.collection.insertOne({ _id: `${workspaceId}:2` as never, ...sealed, segment: 2 });
    expect(await log.tenantSliceAt(workspaceId, 2, 'tenant-other')).toBeNull();
  });
});
