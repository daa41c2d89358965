import { Schema, type Connection, type Model } from 'mongoose';
import { connectMongo, ensureIndexes, GroupCommit, type InsertOutcome } from '@tenantatlas/store';
import { testInfra, uniqueName } from '../index';

const infra = testInfra();

interface Seat {
  _id: string;
  event: string;
  /** one holder per seat of an event (unique with `event`) */
  seat: number;
  holder: string;
}

const seatSchema = new Schema<Seat>(
  {
    _id: { type: String, required: true },
    event: { type: String, required: true },
    seat: { type: Number, required: true },
    holder: { type: String, required: true },
  },
  { versionKey: false },
);
seatSchema.index({ event: 1, seat: 1 }, { unique: true });

describe('group commit on FerretDB', () => {
  let connection: Connection;
  let Seats: Model<Seat>;
  const insertCommands: number[] = [];

  beforeAll(async () => {
    connection = await connectMongo(infra.mongoUrl, uniqueName('group-commit-itest'));
    Seats = connection.model<Seat>('Seat', seatSchema);
    await ensureIndexes([Seats]);
    connection.getClient().on('commandStarted', (event) => {
      if (event.commandName === 'insert' && event.command.insert === Seats.collection.collectionName) insertCommands.push(event.command.documents.length);
    });
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('writes 250 documents that arrive together in one insert, across the engine’s slices of 100, and tells each caller its own outcome', async () => {
    // seats already taken before the rush: callers asking for them are refused
    await Seats.create([{ _id: 'early-1', event: 'gala', seat: 5000, holder: 'early' }, { _id: 'early-2', event: 'gala', seat: 6000, holder: 'early' }]);
    insertCommands.length = 0;
    const commits = new GroupCommit(Seats);
    // seat of caller i: its own, except a few who ask for a seat another caller (earlier or later, in
    // another slice of 100 or the same) or an early holder has
    const taken: Record<number, number> = { 5: 3, 99: 100, 150: 10, 199: 201, 210: 5000, 249: 6000, 130: 130 + 1000 };
    const seatOf = (i: number) => (i in taken ? taken[i]! : i);
    const first = commits.insert({ _id: 'lone', event: 'gala', seat: 9999, holder: 'lone' });
    const rush = Array.from({ length: 250 }, (_, i) => commits.insert({ _id: `c-${i}`, event: 'gala', seat: seatOf(i), holder: `c-${i}` }));
    const outcomes: InsertOutcome[] = await Promise.all(rush);
    expect(await first).toBe('inserted');

    // the lone caller's write went at once; everyone who came while it ran went in the next one
    expect(insertCommands).toEqual([1, 250]);
    const stored = new Set((await Seats.find({ holder: /^c-/ }, { _id: 1 }).lean()).map((doc) => doc._id));
    outcomes.forEach((outcome, i) => expect({ caller: i, outcome }).toEqual({ caller: i, outcome: stored.has(`c-${i}`) ? 'inserted' : 'duplicate' }));
    // 1130 is free; 3, 100, 10, 201 are each asked for twice (one caller gets each); 5000, 6000 were taken
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(6);
    expect(stored.size).toBe(244);
    for (const seat of [3, 100, 10, 201]) expect(await Seats.countDocuments({ event: 'gala', seat })).toBe(1);
    expect(await Seats.findOne({ event: 'gala', seat: 5000 }).lean()).toMatchObject({ holder: 'early' });
  });

  it('refuses a document its schema rejects to its caller alone, before anything is written', async () => {
    const commits = new GroupCommit(Seats);
    const [bad, good] = await Promise.allSettled([
      commits.insert({ _id: 'bad', event: 'gala', holder: 'bad' }),
      commits.insert({ _id: 'good', event: 'recital', seat: 1, holder: 'good' }),
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { name: 'ValidationError' } });
    expect(good).toEqual({ status: 'fulfilled', value: 'inserted' });
    expect(await Seats.findById('bad').lean()).toBeNull();
  });

  it('answers `duplicate` to a caller whose `_id` is already stored', async () => {
    const commits = new GroupCommit(Seats);
    expect(await commits.insert({ _id: 'again', event: 'recital', seat: 2, holder: 'a' })).toBe('inserted');
    expect(await commits.insert({ _id: 'again', event: 'recital', seat: 3, holder: 'b' })).toBe('duplicate');
    expect(await Seats.findById('again').lean()).toMatchObject({ seat: 2, holder: 'a' });
  });
});
