import { MAX_RETRY_AFTER_MS, retryDelayMs, type RetryPolicy } from './backoff';
import type { Attempt, ErrorClass, Run, RunOutcome, RunStatus, SummaryCounts } from './run';
import { sanitizeMessage, sanitizeReasonCode, sanitizeSummaryCounts } from './sanitize';

/** What a run type's executor reports for one attempt. */
export type ExecutionResult =
  | { kind: 'succeeded'; summaryCounts?: SummaryCounts; message?: string }
  | { kind: 'partially_succeeded'; reasonCode: string; message?: string; summaryCounts?: SummaryCounts }
  | {
      kind: 'failed';
      errorClass: Exclude<ErrorClass, 'lease_expired'>;
      reasonCode: string;
      message?: string;
      /** the provider's Retry-After, if it gave one */
      retryAfterMs?: number;
      summaryCounts?: SummaryCounts;
    };

export type LifecycleVerb = 'queued' | 'started' | 'retry_scheduled' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled';

/** Fields a transition may write. */
export type RunPatch = Partial<Omit<Run, 'id' | 'attempts'>>;

/**
 * One step of the run state machine, valid only while the run still matches `guard`. Storage
 * makes the steps of a run strictly sequential (one step per run version), so of two racing
 * writers (worker vs cancel, worker vs sweeper) exactly one wins and a run reaches exactly one
 * terminal state; the loser re-reads and decides again.
 */
export interface RunChange {
  guard: { status: RunStatus; attemptCount: number; leaseOwner?: string | null; leaseExpiresAt?: Date | null };
  set: RunPatch;
  newAttempt?: Attempt;
  attemptUpdate?: { index: number; fields: Partial<Attempt> };
  verb: LifecycleVerb | null;
  /** push a run request for the workers */
  dispatch: boolean;
}

export const WORKER_LOST = 'RUN.WORKER_LOST';
export const RUN_TIMEOUT = 'RUN.TIMEOUT';
export const CANCELLED = 'RUN.CANCELLED';

const completion = (now: Date, outcome: RunOutcome, reasonCode: string | null, message: string | null): RunPatch => ({
  status: 'completed',
  outcome,
  reasonCode,
  message,
  completedAt: now,
  updatedAt: now,
  nextAttemptAt: null,
  redispatchAt: null,
  leaseOwner: null,
  leaseExpiresAt: null,
});

/** A worker takes a due queued run: a new attempt starts under its lease. */
export function claim(run: Run, worker: string, now: Date, leaseMs: number): RunChange | null {
  if (run.status !== 'queued' || (run.nextAttemptAt && run.nextAttemptAt > now)) return null;
  const number = run.attemptCount + 1;
  return {
    guard: { status: 'queued', attemptCount: run.attemptCount },
    set: {
      status: 'running',
      attemptCount: number,
      leaseOwner: worker,
      leaseExpiresAt: new Date(now.getTime() + leaseMs),
      startedAt: run.startedAt ?? now,
      updatedAt: now,
      redispatchAt: null,
    },
    newAttempt: { number, startedAt: now, endedAt: null, result: null, errorClass: null, reasonCode: null, message: null, retryAfterMs: 0, worker },
    verb: 'started',
    dispatch: false,
  };
}

/** Records an attempt's result: complete the run, or schedule the next attempt. */
export function finishAttempt(run: Run, result: ExecutionResult, policy: RetryPolicy, now: Date, random: () => number = Math.random): RunChange {
  const guard = { status: 'running' as const, attemptCount: run.attemptCount, leaseOwner: run.leaseOwner };
  const index = run.attemptCount - 1;
  const summaryCounts = { ...run.summaryCounts, ...sanitizeSummaryCounts(result.summaryCounts) };
  const message = sanitizeMessage(result.message);
  if (result.kind !== 'failed') {
    const reasonCode = result.kind === 'succeeded' ? null : sanitizeReasonCode(result.reasonCode);
    return {
      guard,
      set: { ...completion(now, result.kind, reasonCode, message), summaryCounts },
      attemptUpdate: { index, fields: { endedAt: now, result: result.kind, reasonCode } },
      verb: result.kind,
      dispatch: false,
    };
  }
  const reasonCode = sanitizeReasonCode(result.reasonCode);
  const retryAfterMs = Math.max(0, Math.round(result.retryAfterMs ?? 0));
  const failedAttempt = { endedAt: now, errorClass: result.errorClass, reasonCode, message, retryAfterMs };
  const mayRetry = result.errorClass !== 'permanent' && retryAfterMs <= MAX_RETRY_AFTER_MS;
  if (mayRetry && run.attemptCount < run.maxAttempts) {
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(policy, run.attemptCount, retryAfterMs, random));
    return {
      guard,
      set: { status: 'queued', reasonCode, message, summaryCounts, nextAttemptAt, redispatchAt: nextAttemptAt, leaseOwner: null, leaseExpiresAt: null, updatedAt: now },
      attemptUpdate: { index, fields: { ...failedAttempt, result: 'retry_scheduled' } },
      verb: 'retry_scheduled',
      dispatch: false,
    };
  }
  const finalMessage = mayRetry ? `gave up after ${run.attemptCount} attempts${message ? `: ${message}` : ''}` : message;
  return {
    guard,
    set: { ...completion(now, 'failed', reasonCode, sanitizeMessage(finalMessage)), summaryCounts },
    attemptUpdate: { index, fields: { ...failedAttempt, result: 'failed' } },
    verb: 'failed',
    dispatch: false,
  };
}

/**
 * The lease of a running run expired: its worker died or lost contact. The attempt counts as
 * lost; the run goes back to the queue (dispatched at once) or fails when no attempt is left.
 */
export function expireLease(run: Run, now: Date, redispatchAfterMs: number): RunChange | null {
  if (run.status !== 'running' || !run.leaseExpiresAt || run.leaseExpiresAt > now) return null;
  const guard = { status: 'running' as const, attemptCount: run.attemptCount, leaseOwner: run.leaseOwner, leaseExpiresAt: run.leaseExpiresAt };
  const message = 'the worker running this attempt stopped responding';
  const attemptUpdate = {
    index: run.attemptCount - 1,
    fields: { endedAt: now, result: 'lease_expired' as const, errorClass: 'lease_expired' as const, reasonCode: WORKER_LOST, message },
  };
  if (run.attemptCount >= run.maxAttempts) {
    return { guard, set: completion(now, 'failed', WORKER_LOST, `gave up after ${run.attemptCount} attempts: ${message}`), attemptUpdate, verb: 'failed', dispatch: false };
  }
  return {
    guard,
    set: {
      status: 'queued',
      reasonCode: WORKER_LOST,
      message,
      nextAttemptAt: now,
      redispatchAt: new Date(now.getTime() + redispatchAfterMs),
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now,
    },
    attemptUpdate: { ...attemptUpdate, fields: { ...attemptUpdate.fields, result: 'lease_expired' } },
    verb: 'retry_scheduled',
    dispatch: true,
  };
}

/** A queued run is due but no worker took it (first request lost, or a retry came due): dispatch again. */
export function redispatch(run: Run, now: Date, redispatchAfterMs: number): RunChange | null {
  if (run.status !== 'queued' || !run.redispatchAt || run.redispatchAt > now) return null;
  return {
    guard: { status: 'queued', attemptCount: run.attemptCount },
    set: { redispatchAt: new Date(now.getTime() + redispatchAfterMs) },
    verb: null,
    dispatch: true,
  };
}

/** Cancelling keeps the run and its attempts; a running attempt's result will be discarded. */
export function cancel(run: Run, now: Date): RunChange | null {
  if (run.status === 'completed') return null;
  return {
    guard: { status: run.status, attemptCount: run.attemptCount },
    set: completion(now, 'cancelled', CANCELLED, 'cancelled on request'),
    attemptUpdate:
      run.status === 'running' ? { index: run.attemptCount - 1, fields: { endedAt: now, result: 'cancelled', reasonCode: CANCELLED } } : undefined,
    verb: 'cancelled',
    dispatch: false,
  };
}

export function guardHolds(run: Run, guard: RunChange['guard']): boolean {
  return (
    run.status === guard.status &&
    run.attemptCount === guard.attemptCount &&
    (guard.leaseOwner === undefined || run.leaseOwner === guard.leaseOwner) &&
    (guard.leaseExpiresAt === undefined || (run.leaseExpiresAt?.getTime() ?? null) === (guard.leaseExpiresAt?.getTime() ?? null))
  );
}

/** The worker still executing an attempt extends its lease; refused once the run moved on. */
export function renewLease(run: Run, worker: string, attemptCount: number, now: Date, leaseMs: number): RunChange | null {
  const guard = { status: 'running' as const, attemptCount, leaseOwner: worker };
  if (!guardHolds(run, guard)) return null;
  return { guard, set: { leaseExpiresAt: new Date(now.getTime() + leaseMs) }, verb: null, dispatch: false };
}

/** The run as it is after `change` was written (for events and responses). */
export function applyChange(run: Run, change: RunChange): Run {
  const set = change.set;
  const attempts = run.attempts.map((attempt, i) =>
    change.attemptUpdate && change.attemptUpdate.index === i ? { ...attempt, ...change.attemptUpdate.fields } : attempt,
  );
  if (change.newAttempt) attempts.push(change.newAttempt);
  return { ...run, ...set, attempts };
}
