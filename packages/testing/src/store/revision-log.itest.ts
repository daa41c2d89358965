import type { Connection, Model } from 'mongoose';
import { createEvent, type EventType } from '@tenantatlas/kafka';
import {
  connectMongo,
  ensureIndexes,
  RevisionLog,
  revisionHeadModel,
  revisionModel,
  type OutboxTracker,
  type RevisionDocument,
  type RevisionHeadDocument,
} from '@tenantatlas/store';
import { testInfra, uniqueName } from '../index';

const infra = testInfra();

interface Seat {
  holder: string;
}

/**
 * The versions primitive on FerretDB itself: of many writers appending the same version exactly
 * one wins, only the winner's append is handed to the relay, and the newest version is found by
 * `_id` even when the head's hint lags behind.
 */
describe('revision log on FerretDB', () => {
  let connection: Connection;
  let revisions: Model<RevisionDocument<Seat>>;
  let heads: Model<RevisionHeadDocument>;
  const tracked: string[] = [];
  const outbox: OutboxTracker = { track: (_model, id) => void tracked.push(String(id)) };
  let log: RevisionLog<Seat>;

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('revision-log-itest'));
    revisions = revisionModel<Seat>(connection, 'SeatRevision', 'seat_revisions');
    heads = revisionHeadModel(connection, 'SeatHead', 'seat_heads');
    await ensureIndexes([revisions, heads]);
    log = new RevisionLog({ revisions, heads, topic: 'seats', outbox, firstRevision: 1 });
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const event = (holder: string) => createEvent({ type: 'tenantatlas.test.seat.taken' as EventType, source: 'revision-log-itest', subject: 'seat/a', workspaceId: 'ws', actor: { kind: 'system', component: 'itest' }, data: { holder } });

  it('gives a version to exactly one of 100 concurrent appends, and hands only that one to the relay', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append('ws', 'seat-a', 1, { holder: `h${i}` }, [event(`h${i}`)])));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `h${results.indexOf(true)}`;
    expect(await log.latestOf('seat-a')).toEqual({ revision: 1, body: { holder: winner } });
    expect(tracked).toEqual(['seat-a:1']);
    const stored = await revisions.findById('seat-a:1').lean();
    expect(stored?.outbox.map((entry) => (entry.event as unknown as { data: { holder: string } }).data.holder)).toEqual([winner]);
  });

  it('finds the newest version by probing forward from a hint that lags', async () => {
    for (let revision = 1; revision <= 6; revision++) expect(await log.append('ws', 'seat-b', revision, { holder: `v${revision}` }, [])).toBe(true);
    await heads.updateOne({ _id: 'seat-b' }, { $set: { latestRevision: 2 } });
    expect(await log.latestOf('seat-b')).toEqual({ revision: 6, body: { holder: 'v6' } });
    const many = await log.latestOfMany([{ id: 'seat-b', hint: 1 }, { id: 'seat-a', hint: 1 }, { id: 'seat-none', hint: undefined }]);
    expect(Object.fromEntries(many)).toEqual({ 'seat-b': { revision: 6, body: { holder: 'v6' } }, 'seat-a': { revision: 1, body: expect.any(Object) } });
  });

  it('writes the hint at every n-th revision of a busy log and still finds the newest, whatever the gap', async () => {
    const busy = new RevisionLog({ revisions, heads, topic: 'seats', outbox, firstRevision: 1, hintEvery: 16 });
    for (let revision = 1; revision <= 40; revision++) {
      expect(await busy.append('ws', 'seat-c', revision, { holder: `v${revision}` }, [])).toBe(true);
      if (revision === 15 || revision === 16 || revision === 17 || revision === 40) expect((await busy.latestOf('seat-c'))?.revision).toBe(revision);
    }
    expect((await heads.findById('seat-c').lean())?.latestRevision).toBe(32);
    expect((await busy.revisionsAt('seat-c', [40, 39, 41, 1])).map((r) => r.body.holder)).toEqual(['v40', 'v39', 'v1']);
  });
});
