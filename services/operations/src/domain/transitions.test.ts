import type { RetryPolicy } from './backoff';
import type { Run } from './run';
import { applyChange, cancel, claim, expireLease, finishAttempt, guardHolds, redispatch, renewLease, WORKER_LOST, type RunChange } from './transitions';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, jitter: 0 };

function queuedRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 'run-1', workspaceId: 'ws', tenantId: 't', type: 'x', subject: 's', status: 'queued', outcome: null, reasonCode: null, message: null,
    attemptCount: 0, maxAttempts: 3, attempts: [], summaryCounts: {}, context: {}, initiator: { kind: 'user', userId: 'u' },
    idempotencyKey: null, rerunOf: null, createdAt: t0, updatedAt: t0, startedAt: null, completedAt: null, nextAttemptAt: t0,
    redispatchAt: at(15_000), leaseOwner: null, leaseExpiresAt: null, traceparent: null, ...overrides,
  };
}

/** Applies a change the way storage does: only while its guard holds. */
function step(run: Run, change: RunChange | null): Run {
  if (!change) throw new Error('no change');
  if (!guardHolds(run, change.guard)) throw new Error('guard does not hold');
  return applyChange(run, change);
}

describe('run state machine', () => {
  it('claims a due queued run under a lease and starts attempt 1', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', at(10), 30_000));
    expect(running).toMatchObject({ status: 'running', attemptCount: 1, leaseOwner: 'w1', leaseExpiresAt: at(30_010), startedAt: at(10) });
    expect(running.attempts).toEqual([expect.objectContaining({ number: 1, worker: 'w1', endedAt: null })]);
    expect(claim(running, 'w2', at(20), 30_000)).toBeNull();
    expect(claim(queuedRun({ nextAttemptAt: at(5_000) }), 'w1', at(10), 30_000)).toBeNull();
  });

  it('completes on success', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', t0, 30_000));
    const change = finishAttempt(running, { kind: 'succeeded', summaryCounts: { users: 3 } }, policy, at(100));
    expect(change.verb).toBe('succeeded');
    expect(step(running, change)).toMatchObject({ status: 'completed', outcome: 'succeeded', reasonCode: null, summaryCounts: { users: 3 }, leaseOwner: null });
  });

  it('retries retryable failures with backoff, honouring Retry-After, until attempts run out', () => {
    let run = step(queuedRun(), claim(queuedRun(), 'w1', t0, 30_000));
    run = step(run, finishAttempt(run, { kind: 'failed', errorClass: 'retryable', reasonCode: 'PROVIDER.THROTTLED', retryAfterMs: 5_000 }, policy, at(100)));
    expect(run).toMatchObject({ status: 'queued', reasonCode: 'PROVIDER.THROTTLED', nextAttemptAt: at(5_100), redispatchAt: at(5_100) });
    expect(run.attempts[0]).toMatchObject({ result: 'retry_scheduled', retryAfterMs: 5_000, endedAt: at(100) });

    run = step(run, claim(run, 'w2', at(5_100), 30_000));
    run = step(run, finishAttempt(run, { kind: 'failed', errorClass: 'timeout', reasonCode: 'RUN.TIMEOUT' }, policy, at(6_000)));
    expect(run.nextAttemptAt).toEqual(at(8_000)); // second failure: 2 × base

    run = step(run, claim(run, 'w1', at(8_000), 30_000));
    const last = finishAttempt(run, { kind: 'failed', errorClass: 'retryable', reasonCode: 'PROVIDER.UNAVAILABLE', message: 'down' }, policy, at(9_000));
    expect(last.verb).toBe('failed');
    expect(step(run, last)).toMatchObject({ status: 'completed', outcome: 'failed', reasonCode: 'PROVIDER.UNAVAILABLE', message: 'gave up after 3 attempts: down', attemptCount: 3 });
  });

  it('does not retry a permanent failure', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', t0, 30_000));
    const change = finishAttempt(running, { kind: 'failed', errorClass: 'permanent', reasonCode: 'PROVIDER.CONSENT_MISSING' }, policy, at(10));
    expect(step(running, change)).toMatchObject({ status: 'completed', outcome: 'failed', reasonCode: 'PROVIDER.CONSENT_MISSING', attemptCount: 1 });
  });

  it('recovers a run whose worker stopped renewing its lease, and fails it when no attempt is left', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', t0, 1_000));
    expect(expireLease(running, at(999), 15_000)).toBeNull();
    const requeue = expireLease(running, at(1_000), 15_000)!;
    expect(requeue).toMatchObject({ verb: 'retry_scheduled', dispatch: true });
    const queued = step(running, requeue);
    expect(queued).toMatchObject({ status: 'queued', reasonCode: WORKER_LOST, leaseOwner: null, nextAttemptAt: at(1_000) });
    expect(queued.attempts[0]).toMatchObject({ result: 'lease_expired', errorClass: 'lease_expired' });

    const lastAttempt = step(queuedRun({ attemptCount: 2, maxAttempts: 3 }), claim(queuedRun({ attemptCount: 2, maxAttempts: 3 }), 'w1', t0, 1_000));
    expect(step(lastAttempt, expireLease(lastAttempt, at(2_000), 15_000))).toMatchObject({ status: 'completed', outcome: 'failed', reasonCode: WORKER_LOST });
  });

  it('lets only the lease holder renew or record, so a late worker cannot overwrite the recovery', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', t0, 1_000));
    expect(step(running, renewLease(running, 'w1', 1, at(500), 1_000)).leaseExpiresAt).toEqual(at(1_500));
    expect(renewLease(running, 'w2', 1, at(500), 1_000)).toBeNull();
    const recovered = step(running, expireLease(running, at(1_000), 15_000));
    const taken = step(recovered, claim(recovered, 'w2', at(1_100), 1_000));
    expect(renewLease(taken, 'w1', 1, at(1_200), 1_000)).toBeNull();
    const late = finishAttempt(running, { kind: 'succeeded' }, policy, at(1_300));
    expect(guardHolds(taken, late.guard)).toBe(false);
  });

  it('cancels a queued or running run exactly once', () => {
    const running = step(queuedRun(), claim(queuedRun(), 'w1', t0, 30_000));
    const cancelled = step(running, cancel(running, at(50)));
    expect(cancelled).toMatchObject({ status: 'completed', outcome: 'cancelled', reasonCode: 'RUN.CANCELLED' });
    expect(cancelled.attempts[0]).toMatchObject({ result: 'cancelled' });
    expect(cancel(cancelled, at(60))).toBeNull();
    expect(guardHolds(cancelled, finishAttempt(running, { kind: 'succeeded' }, policy, at(70)).guard)).toBe(false);
    expect(step(queuedRun(), cancel(queuedRun(), at(5)))).toMatchObject({ outcome: 'cancelled', attempts: [] });
  });

  it('redispatches a queued run only once it is due', () => {
    const run = queuedRun({ redispatchAt: at(1_000) });
    expect(redispatch(run, at(999), 15_000)).toBeNull();
    expect(redispatch(run, at(1_000), 15_000)).toMatchObject({ dispatch: true, verb: null, set: { redispatchAt: at(16_000) } });
  });
});
