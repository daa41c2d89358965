import type { Run } from './run';
import { archivable, listedIdStalled, openSealedRuns, sealableRuns, sealRuns } from './run-list';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function completedRun(id: string, overrides: Partial<Run> = {}): Run {
  return {
    id, workspaceId: 'ws', tenantId: 't', type: 'x', subject: `s-${id}`, status: 'completed', outcome: 'failed', reasonCode: 'PROVIDER.DOWN', message: 'down',
    attemptCount: 1, maxAttempts: 3, summaryCounts: { users: 2 }, context: { scope: 'all' }, initiator: { kind: 'user', userId: 'u' },
    attempts: [{ number: 1, startedAt: at(10), endedAt: at(20), result: 'failed', errorClass: 'permanent', reasonCode: 'PROVIDER.DOWN', message: 'down', retryAfterMs: 0, worker: 'w1' }],
    idempotencyKey: null, rerunOf: null, createdAt: t0, updatedAt: at(20), startedAt: at(10), completedAt: at(20), nextAttemptAt: null,
    redispatchAt: null, leaseOwner: null, leaseExpiresAt: null, traceparent: null, ...overrides,
  };
}

describe('sealed run-list revisions', () => {
  it('seals a revision whose runs all completed, an id given up holding its place', () => {
    expect(sealableRuns([completedRun('a'), 'given up', completedRun('b')])).toEqual([completedRun('a'), null, completedRun('b')]);
    expect(sealableRuns(['given up'])).toEqual([null]);
  });

  it('keeps a revision open while one of its runs may still change', () => {
    expect(sealableRuns([completedRun('a'), completedRun('b', { status: 'running', completedAt: null })])).toBeNull();
    expect(sealableRuns([completedRun('a'), completedRun('b', { status: 'queued' })])).toBeNull();
    // listed, not stored yet: its start may still store it
    expect(sealableRuns([completedRun('a'), 'not stored'])).toBeNull();
  });

  it('opens a sealed revision to the runs it sealed, times as dates, in its order', () => {
    const runs = [completedRun('a'), null, completedRun('b', { outcome: 'succeeded', reasonCode: null, attempts: [] })];
    const opened = openSealedRuns(sealRuns(runs));
    expect(opened).toEqual([completedRun('a'), 'given up', runs[2]]);
    expect((opened[0] as Run).attempts[0]!.endedAt).toBeInstanceOf(Date);
    expect((opened[0] as Run).nextAttemptAt).toBeNull();
    expect(openSealedRuns(sealRuns([]))).toEqual([]);
  });

  it('gives up a listed id only once its start had time to store it', () => {
    expect(listedIdStalled(t0, at(9_999))).toBe(false);
    expect(listedIdStalled(t0, at(10_000))).toBe(true);
  });

  it('archives a final revision once every run in it completed before the window began', () => {
    expect(archivable([completedRun('a'), null], at(21))).toBe(true);
    expect(archivable([completedRun('a'), completedRun('b', { completedAt: at(30) })], at(21))).toBe(false);
    expect(archivable([completedRun('a')], at(20))).toBe(false);
  });
});
