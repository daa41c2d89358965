import { Types } from 'mongoose';
import { filterShape, isWrite, operationsOf } from './operation-metrics';

describe('filterShape', () => {
  it.each([
    ['an exact string _id', { _id: 'ws-1:7' }, 'id'],
    ['an exact ObjectId', { _id: new Types.ObjectId() }, 'id'],
    ['an _id with $eq', { _id: { $eq: 'a' } }, 'id'],
    ['an exact _id and more conditions', { _id: 'a', workspaceId: 'ws-1' }, 'id'],
    ['an exact subdocument _id', { _id: { topic: 't', partition: 1 } }, 'id'],
    ['a list of _ids', { _id: { $in: ['a', 'b'] } }, 'id_in'],
    ['an _id range', { _id: { $gt: 'a' } }, 'other'],
    ['an _id with two operators', { _id: { $in: ['a'], $ne: 'b' } }, 'other'],
    ['another field', { workspaceId: 'ws-1', seq: 3 }, 'other'],
    ['no filter', {}, 'other'],
    ['a missing filter', undefined, 'other'],
  ])('%s', (_what, filter, shape) => {
    expect(filterShape(filter)).toBe(shape);
  });
});

describe('operationsOf', () => {
  it('counts an insert of n documents as n new documents', () => {
    expect(operationsOf('insert', { insert: 'audit_records', documents: [{}, {}, {}], ordered: true })).toEqual([
      { collection: 'audit_records', operation: 'insert', shape: 'new', count: 3 },
    ]);
  });

  it('counts each statement of an update or delete by its own filter', () => {
    const updates = [{ q: { _id: 'a' }, u: { $set: { x: 1 } } }, { q: { state: 'queued' }, u: { $set: { x: 1 } }, multi: true }];
    expect(operationsOf('update', { update: 'runs', updates })).toEqual([
      { collection: 'runs', operation: 'update', shape: 'id', count: 1 },
      { collection: 'runs', operation: 'update', shape: 'other', count: 1 },
    ]);
    expect(operationsOf('delete', { delete: 'outbox', deletes: [{ q: { _id: { $in: ['a', 'b'] } }, limit: 0 }] })).toEqual([
      { collection: 'outbox', operation: 'delete', shape: 'id_in', count: 1 },
    ]);
  });

  it('reads the filter of finds, counts, findAndModify and an aggregation that starts with $match', () => {
    expect(operationsOf('find', { find: 'drafts', filter: { _id: 'd-1' }, limit: 1 })[0]).toMatchObject({ operation: 'find', shape: 'id' });
    expect(operationsOf('count', { count: 'drafts', query: { workspaceId: 'w' } })[0]).toMatchObject({ shape: 'other' });
    expect(operationsOf('findAndModify', { findAndModify: 'runs', query: { _id: 'r' }, update: {} })[0]).toMatchObject({ shape: 'id' });
    expect(operationsOf('aggregate', { aggregate: 'runs', pipeline: [{ $match: { _id: { $in: ['r'] } } }] })[0]).toMatchObject({ shape: 'id_in' });
    expect(operationsOf('aggregate', { aggregate: 'runs', pipeline: [{ $group: { _id: '$state' } }] })[0]).toMatchObject({ shape: 'other' });
  });

  it('counts nothing for commands that touch no documents', () => {
    for (const name of ['hello', 'ping', 'getMore', 'createIndexes', 'listCollections', 'endSessions']) {
      expect(operationsOf(name, { [name]: 1 })).toEqual([]);
    }
  });

  it('tells writes from reads', () => {
    expect(['insert', 'update', 'delete', 'findAndModify'].every(isWrite)).toBe(true);
    expect(['find', 'count', 'aggregate', 'distinct'].some(isWrite)).toBe(false);
  });
});
