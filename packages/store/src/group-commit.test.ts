import type { Model } from 'mongoose';
import { GroupCommit } from './group-commit';

type Doc = { _id: string };

/** A collection whose next write fails as given; the refusals and counts are what the driver reports. */
function collectionFailingWith(failure: (docs: Doc[]) => unknown) {
  const writes: string[][] = [];
  class FakeModel {
    constructor(private readonly doc: Doc) {}
    async validate(): Promise<void> {}
    toObject(): Doc {
      return this.doc;
    }
    static collection = {
      insertMany: async (docs: Doc[]) => {
        writes.push(docs.map((doc) => doc._id));
        const err = writes.length > 1 ? failure(docs) : undefined;
        if (err !== undefined) throw err;
      },
    };
  }
  return { model: FakeModel as unknown as Model<Doc>, writes };
}

const bulkError = (refusals: { index: number; code: number; errmsg: string }[], insertedCount: number) =>
  Object.assign(new Error('bulk write failed'), { name: 'MongoBulkWriteError', writeErrors: refusals, result: { insertedCount, getWriteConcernError: () => undefined } });

async function rush(commits: GroupCommit<Doc>, ids: string[]) {
  const lone = commits.insert({ _id: 'lone' });
  const outcomes = await Promise.allSettled(ids.map((_id) => commits.insert({ _id })));
  await lone;
  return outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : `rejected: ${(outcome.reason as Error).message}`));
}

describe('GroupCommit', () => {
  it('gives each caller of a batch its own outcome: stored, refused as a duplicate, refused otherwise', async () => {
    const { model, writes } = collectionFailingWith(() =>
      bulkError([{ index: 1, code: 11000, errmsg: 'E11000 duplicate key' }, { index: 2, code: 2, errmsg: 'document too large' }], 2),
    );
    const outcomes = await rush(new GroupCommit(model), ['a', 'b', 'c', 'd']);
    expect(writes).toEqual([['lone'], ['a', 'b', 'c', 'd']]);
    expect(outcomes).toEqual(['inserted', 'duplicate', 'rejected: document too large', 'inserted']);
  });

  it('rejects every caller not refused alone when the counts do not confirm the rest was stored', async () => {
    const { model } = collectionFailingWith(() => bulkError([{ index: 0, code: 11000, errmsg: 'E11000 duplicate key' }], 0));
    expect(await rush(new GroupCommit(model), ['a', 'b'])).toEqual(['duplicate', 'rejected: bulk write failed']);
  });

  it('rejects the whole batch when the write failed as a whole', async () => {
    const { model } = collectionFailingWith(() => Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' }));
    expect(await rush(new GroupCommit(model), ['a', 'b'])).toEqual(['rejected: connection closed', 'rejected: connection closed']);
  });

  it('writes at most maxDocuments at once, the rest in the next write', async () => {
    const { model, writes } = collectionFailingWith(() => undefined);
    const commits = new GroupCommit(model, 1, 2);
    await rush(commits, ['a', 'b', 'c']);
    expect(writes).toEqual([['lone'], ['a', 'b'], ['c']]);
  });

  it('with maxWrites above 1 writes that many at once before documents gather', async () => {
    const { model, writes } = collectionFailingWith(() => undefined);
    const commits = new GroupCommit(model, 2);
    await rush(commits, ['a', 'b', 'c']);
    expect(writes).toEqual([['lone'], ['a'], ['b', 'c']]);
  });
});
