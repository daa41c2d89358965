import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { WORKER_ACTOR, type Run } from '../domain/run';
import { expireLease, redispatch } from '../domain/transitions';
import type { RunMetrics } from './metrics';
import type { Decide, RunRepository, Transitioned } from './ports';

/** pages of schedule entries one pass reads at most; the next pass (an interval later) goes on */
const MAX_PAGES = 20;

export interface SweeperOptions {
  intervalMs: number;
  redispatchAfterMs: number;
  batchSize?: number;
}

export interface SweepRunsDeps {
  runs: RunRepository;
  metrics: RunMetrics;
  logger: Logger;
  options: SweeperOptions;
  now?: () => Date;
}

/**
 * Keeps runs moving when Kafka alone would not: requeues runs whose worker lease expired (a
 * killed worker) and dispatches queued runs whose retry came due or whose request nobody took.
 * Every replica sweeps; the compare-and-set writes make concurrent sweeps harmless.
 */
export class SweepRunsUseCase {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly runs: RunRepository;
  private readonly metrics: RunMetrics;
  private readonly logger: Logger;
  private readonly options: SweeperOptions;
  private readonly now: () => Date;

  constructor(deps: SweepRunsDeps) {
    ({ runs: this.runs, metrics: this.metrics, logger: this.logger, options: this.options } = deps);
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.execute()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'sweep failed; will retry'))
        .finally(() => (this.sweeping = undefined));
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /**
   * One sweep: a pass over what came due, a page of entries at a time (every completed run passes
   * through once, so a pass must keep up with the completion rate); returns how many runs it moved.
   */
  async execute(): Promise<number> {
    const limit = this.options.batchSize ?? 100;
    let moved = 0;
    const now = this.now();
    let after: Date | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { due, next } = await this.runs.findDue(now, limit, after);
      moved += await this.move(due);
      if (!next) break;
      after = next;
    }
    return moved;
  }

  private async move(due: Run[]): Promise<number> {
    let moved = 0;
    for (const run of due) {
      if (run.status === 'running') {
        const done = await this.write(run, (current) => expireLease(current, this.now(), this.options.redispatchAfterMs));
        if (!done) continue;
        moved++;
        this.metrics.leaseExpired(run.type);
        if (done.after.status === 'completed') this.metrics.completed(run.type, 'failed');
        this.logger.warn({ runId: run.id, attempt: done.before.attemptCount, worker: done.before.leaseOwner }, 'lease expired; run recovered');
      } else if (await this.write(run, (current) => redispatch(current, this.now(), this.options.redispatchAfterMs))) {
        moved++;
      }
    }
    return moved;
  }

  /** Events continue the trace of the run's start, even when written by a sweep. */
  private write(run: Run, decide: Decide): Promise<Transitioned | null> {
    const parent = run.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: run.traceparent }) : context.active();
    return context.with(parent, () => this.runs.transition(run.id, decide, WORKER_ACTOR));
  }
}
