import { failedPrecondition, type Actor } from '@tenantatlas/shared';
import type { Run } from '../domain/run';
import { cancel } from '../domain/transitions';
import type { RunEvents } from './events';
import type { RunMetrics } from './metrics';
import type { RunRepository } from './ports';
import type { RunQueries } from './run-queries';

/**
 * Cancels a queued or running run: it completes as cancelled at once and keeps its history. A
 * worker still executing it loses its compare-and-set and its result is discarded.
 */
export class CancelRun {
  constructor(
    private readonly runs: RunRepository,
    private readonly queries: RunQueries,
    private readonly events: RunEvents,
    private readonly metrics: RunMetrics,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(workspaceId: string, runId: string, actor: Actor): Promise<Run> {
    const run = await this.queries.get(workspaceId, runId);
    const done = await this.runs.transition(
      run.id,
      (current) => cancel(current, this.now()),
      (change, before, after) => this.events.forChange(change, before, after, actor),
    );
    if (done) {
      this.metrics.completed(run.type, 'cancelled');
      return done.after;
    }
    // it completed before the cancel got in
    const completed = await this.queries.get(workspaceId, runId);
    if (completed.outcome === 'cancelled') return completed;
    throw failedPrecondition('RUN.ALREADY_COMPLETED', `the run already completed (${completed.outcome ?? 'unknown'})`, {
      outcome: completed.outcome,
    });
  }
}
