import { connectMongo, ensureIndexes } from '@tenantatlas/store';
import { testInfra, uniqueName } from '@tenantatlas/testing';
import type { Connection } from 'mongoose';
import type { RunListPosition } from '../../app/ports';
import type { Run } from '../../domain/run';
import { runList } from '../../domain/run-list';
import { MongoRunRepository } from './run.repository';
import { runModels } from './run.schema';

const ACTOR = { kind: 'user', userId: 'u-1' } as const;

function queuedRun(id: string, workspaceId: string, createdAt: Date): Run {
  return {
    id, workspaceId, tenantId: 't-1', type: 'connection.check', subject: `s-${id}`, status: 'queued', outcome: null, reasonCode: null, message: null,
    attemptCount: 0, maxAttempts: 3, attempts: [], summaryCounts: {}, context: {}, initiator: ACTOR, idempotencyKey: null, rerunOf: null,
    createdAt, updatedAt: createdAt, startedAt: null, completedAt: null, nextAttemptAt: createdAt, redispatchAt: null, leaseOwner: null,
    leaseExpiresAt: null, traceparent: null,
  };
}

describe('a run list pages every stored run once (real FerretDB)', () => {
  let mongo: Connection;
  let repository: MongoRunRepository;

  beforeAll(async () => {
    mongo = await connectMongo(testInfra().mongoUrl, uniqueName('run_lists_itest'));
    const models = runModels(mongo);
    await ensureIndexes(Object.values(models));
    repository = new MongoRunRepository(models, { operationsEvents: 'ops-events', runRequests: 'run-requests' });
  });

  afterAll(async () => {
    await mongo?.dropDatabase();
    await mongo?.close();
  });

  it('goes on inside a revision when ids that name no run (starts given up) leave a page short', async () => {
    const workspaceId = uniqueName('ws');
    const t0 = Date.now();
    const ids = Array.from({ length: 120 }, (_, i) => `${workspaceId}-run-${String(i).padStart(3, '0')}`);
    // every 10th start is given up between listing its run and storing it: its id stays listed
    const givenUp = new Set(ids.filter((_, i) => i % 10 === 3));
    await Promise.all([...givenUp].map((id) => repository.abandon(id)));
    // started together, so most ids share one revision of the list
    const outcomes = await Promise.all(ids.map((id, i) => repository.insert(queuedRun(id, workspaceId, new Date(t0 + i)), ACTOR)));
    expect(outcomes.filter((o) => o === 'abandoned')).toHaveLength(givenUp.size);
    const stored = ids.filter((id) => !givenUp.has(id));

    for (const pageSize of [7, 50]) {
      const listed: string[] = [];
      let after: RunListPosition | undefined;
      for (let page = 0; page < 100; page++) {
        const runs = await repository.listed(workspaceId, runList(workspaceId), pageSize, after);
        listed.push(...runs.map(({ run }) => run.id));
        if (runs.length < pageSize) break;
        after = runs.at(-1)!.position;
      }
      // newest started first, each once
      expect({ pageSize, listed }).toEqual({ pageSize, listed: [...stored].reverse() });
    }
  });
});
