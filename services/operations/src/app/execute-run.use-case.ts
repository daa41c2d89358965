import type { Logger } from 'pino';
import { sleep } from '@tenantatlas/core';
import { WORKER_ACTOR, type Run } from '../domain/run';
import { effectiveLimits } from '../domain/run-type';
import type { RetryPolicy } from '../domain/backoff';
import { claim, finishAttempt, guardHolds, renewLease, RUN_TIMEOUT, type ExecutionResult } from '../domain/transitions';
import type { RunMetrics } from './metrics';
import { outcomeOfError } from './outcome-of-error';
import type { KnownRun, RunRepository, Transitioned } from './ports';
import type { RunTypeRegistry } from './registry';
import { Slots } from './slots';

export interface WorkerOptions {
  workerId: string;
  leaseMs: number;
  concurrency: number;
}

export interface ExecuteRunDeps {
  runs: RunRepository;
  registry: RunTypeRegistry;
  metrics: RunMetrics;
  logger: Logger;
  options: WorkerOptions;
  now?: () => Date;
}

/** A run request: "look at run X" (Kafka only dispatches; the run decides whether it is due). */
export interface ExecuteRunCommand {
  runId: string;
}

/**
 * Executes runs. A run request only says "look at run X": the worker claims it with a
 * compare-and-set (queued and due → running under its lease), executes one attempt while renewing
 * the lease, and records the result with another compare-and-set that holds only while the lease
 * is still its own. A cancelled run or a lease taken over by another worker discards the result.
 */
export class ExecuteRunUseCase {
  private readonly slots: Slots;
  private readonly executing = new Set<Promise<void>>();
  private readonly runs: RunRepository;
  private readonly registry: RunTypeRegistry;
  private readonly metrics: RunMetrics;
  private readonly logger: Logger;
  private readonly options: WorkerOptions;
  private readonly now: () => Date;

  constructor(deps: ExecuteRunDeps) {
    ({ runs: this.runs, registry: this.registry, metrics: this.metrics, logger: this.logger, options: this.options } = deps);
    this.now = deps.now ?? (() => new Date());
    this.slots = new Slots(deps.options.concurrency);
  }

  /**
   * Resolves as soon as a slot is free; the claim and the attempt continue in the background, so
   * up to `concurrency` claims proceed at once instead of one per consumed partition. A request
   * whose claim fails (the database is down) is not retried from Kafka: the run stays queued and
   * the sweeper dispatches it again when its redispatch time comes.
   */
  async execute({ runId }: ExecuteRunCommand): Promise<void> {
    // stopping: the run stays queued and the sweeper dispatches it again at its redispatch time
    if (!(await this.slots.acquire())) return;
    const attempt = this.claimAndRun(runId)
      .catch((err: unknown) => this.logger.warn({ err, runId }, 'could not claim or record the run; the sweeper will pick it up'))
      .finally(() => {
        this.slots.release();
        this.executing.delete(attempt);
      });
    this.executing.add(attempt);
  }

  private async claimAndRun(runId: string): Promise<void> {
    const claimed = await this.claim(runId);
    if (claimed) await this.runAttempt(claimed);
  }

  /**
   * Takes no further request: one waiting for a slot returns at once, so the consumer can leave its
   * group without waiting for an attempt to end (a full worker otherwise held shutdown for seconds).
   */
  stopTaking(): void {
    this.slots.close();
  }

  /** Waits for the attempts in progress (bounded); unfinished ones are recovered through their lease. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.executing]), sleep(timeoutMs)]);
  }

  get busy(): number {
    return this.executing.size;
  }

  private async claim(runId: string): Promise<KnownRun | null> {
    const done = await this.runs.transition(runId, (run) => claim(run, this.options.workerId, this.now(), this.options.leaseMs), WORKER_ACTOR);
    return done ? { run: done.after, version: done.version } : null;
  }

  /**
   * Executes one attempt of the run it claimed. The run as this worker last committed it (claim,
   * renewals) is what it records the result on, without reading it again; another writer's change
   * meanwhile (a cancel) makes that write lose its version, and the result is decided again.
   */
  private async runAttempt(claimed: KnownRun): Promise<void> {
    const { run } = claimed;
    let held = claimed;
    const type = this.registry.get(run.type);
    const begun = Date.now();
    const controller = new AbortController();
    const renew = async () => {
      const renewed = await this.renew(held, controller);
      if (renewed && renewed.version > held.version) held = renewed;
    };
    const heartbeat = setInterval(() => void renew(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    let result: ExecutionResult;
    try {
      if (!type) {
        result = { kind: 'failed', errorClass: 'permanent', reasonCode: 'RUN.TYPE_NOT_AVAILABLE', message: 'this run type is not enabled on the worker' };
      } else {
        const { timeoutMs } = effectiveLimits(type, run.context);
        result = await this.withTimeout(type.executor.execute({ run, attempt: run.attemptCount, signal: controller.signal }), timeoutMs, controller);
      }
    } catch (err) {
      result = outcomeOfError(err);
    } finally {
      clearInterval(heartbeat);
    }
    const retry = type?.retry ?? { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, jitter: 0 };
    const recorded = await this.record(held, result, retry);
    this.metrics.attempt(run.type, recorded?.change.verb ?? 'discarded', (Date.now() - begun) / 1000);
    if (!recorded) {
      this.logger.info({ runId: run.id, attempt: run.attemptCount }, 'attempt result discarded: the run was cancelled or its lease taken over');
      return;
    }
    const { after, change } = recorded;
    if (after.status === 'completed') this.metrics.completed(run.type, after.outcome ?? 'unknown');
    this.logger.info(
      { runId: run.id, runType: run.type, attempt: run.attemptCount, result: change.verb, reasonCode: after.reasonCode, nextAttemptAt: after.nextAttemptAt },
      'attempt finished',
    );
  }

  /** Records the result only while this attempt still holds the run (not cancelled, lease not taken over). */
  private async record(held: KnownRun, result: ExecutionResult, retry: RetryPolicy): Promise<Transitioned | null> {
    const { run } = held;
    const mine = { status: 'running' as const, attemptCount: run.attemptCount, leaseOwner: this.options.workerId };
    const decide = (current: Run) => (guardHolds(current, mine) ? finishAttempt(current, result, retry, this.now()) : null);
    for (let tryNo = 1; ; tryNo++) {
      try {
        return await this.runs.transition(run.id, decide, WORKER_ACTOR, tryNo === 1 ? held : undefined);
      } catch (err) {
        if (tryNo >= 3) throw err;
        await sleep(200 * tryNo);
      }
    }
  }

  private async renew({ run, version }: KnownRun, controller: AbortController): Promise<KnownRun | null> {
    try {
      const { workerId, leaseMs } = this.options;
      const renewal = (current: Run) => renewLease(current, workerId, run.attemptCount, this.now(), leaseMs);
      const held = await this.runs.transition(run.id, renewal, WORKER_ACTOR, { run, version });
      if (!held) controller.abort(new Error('lease lost or run cancelled'));
      return held ? { run: held.after, version: held.version } : null;
    } catch (err) {
      // a failed renewal is not a lost lease; the next one may succeed before it runs out
      this.logger.warn({ err, runId: run.id }, 'lease renewal failed');
      return null;
    }
  }

  private withTimeout(execution: Promise<ExecutionResult>, timeoutMs: number, controller: AbortController): Promise<ExecutionResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        controller.abort(new Error('attempt timed out'));
        resolve({ kind: 'failed', errorClass: 'timeout', reasonCode: RUN_TIMEOUT, message: `the attempt did not finish within ${timeoutMs} ms` });
      }, timeoutMs);
      execution.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (err: unknown) => (clearTimeout(timer), reject(err)),
      );
    });
  }
}
