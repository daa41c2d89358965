import type { Actor } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import type { Run } from '../domain/run';
import { cancel } from '../domain/transitions';
import type { GetRunUseCase } from './get-run.use-case';
import type { RunMetrics } from './metrics';
import type { RunRepository } from './ports';

export interface CancelRunCommand {
  workspaceId: string;
  runId: string;
  actor: Actor;
}

export interface CancelRunDeps {
  runs: RunRepository;
  getRun: GetRunUseCase;
  metrics: RunMetrics;
  now?: () => Date;
}

/**
 * Cancels a queued or running run: it completes as cancelled at once and keeps its history. A
 * worker still executing it loses its compare-and-set and its result is discarded.
 */
export class CancelRunUseCase {
  constructor(private readonly deps: CancelRunDeps) {}

  async execute({ workspaceId, runId, actor }: CancelRunCommand): Promise<Run> {
    const { runs, getRun, metrics, now = () => new Date() } = this.deps;
    const run = await getRun.execute({ workspaceId, runId });
    const done = await runs.transition(run.id, (current) => cancel(current, now()), actor);
    if (done) {
      metrics.completed(run.type, 'cancelled');
      return done.after;
    }
    // it completed before the cancel got in
    const completed = await getRun.execute({ workspaceId, runId });
    if (completed.outcome === 'cancelled') return completed;
    throw runError('RUN.ALREADY_COMPLETED', `the run already completed (${completed.outcome ?? 'unknown'})`, { outcome: completed.outcome });
  }
}
