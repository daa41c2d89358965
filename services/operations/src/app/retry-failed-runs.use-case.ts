import type { Actor } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import { isAdmissionRefusal } from '../domain/run-type';
import { parseTime, requireWorkspace } from './list-runs.use-case';
import type { RunRepository } from './ports';
import { rerunOf } from './rerun-run.use-case';
import type { RunAdmission, StartRunResult, StartRunUseCase } from './start-run.use-case';

export interface RetryFailedRunsCommand {
  workspaceId: string;
  actor: Actor;
  tenantId?: string;
  type?: string;
  completedAfter?: string;
  limit?: number;
}

export interface RetryFailedRunsDeps {
  runs: RunRepository;
  startRun: StartRunUseCase;
  admission: RunAdmission;
}

/**
 * Bulk retry: reruns every failed run matching a filter, each once (its rerun's idempotency key is
 * `retry:<failedRunId>`, so repeating the call returns the same reruns).
 */
export class RetryFailedRunsUseCase {
  constructor(private readonly deps: RetryFailedRunsDeps) {}

  async execute(command: RetryFailedRunsCommand): Promise<{ failedRunId: string; result: StartRunResult }[]> {
    requireWorkspace(command.workspaceId);
    const limit = command.limit ?? 0;
    if (limit < 0 || limit > 200) throw runError('RUN.INVALID_LIMIT', 'limit must be between 1 and 200', { field: 'limit' });
    // a tenant filter names a tenant: another workspace's or a random one is not found, not an empty result
    if (command.tenantId) await this.deps.admission.admitTenant(command.workspaceId, command.tenantId);
    const failed = await this.deps.runs.list({
      workspaceId: command.workspaceId,
      tenantId: command.tenantId || undefined,
      type: command.type || undefined,
      status: 'completed',
      outcome: 'failed',
      completedAfter: parseTime(command.completedAfter, 'completed_after'),
      limit: limit || 50,
    });
    const retried = [];
    // Several failed runs of one dedupe key rerun as one: the later starts are deduplicated.
    for (const run of failed) {
      const result = await this.deps.startRun.execute(rerunOf(run, command.actor, `retry:${run.id}`)).catch((err: unknown) => {
        // one run whose tenant was archived or whose subject left its tenant does not stop the others
        if (isAdmissionRefusal(err)) return null;
        throw err;
      });
      if (result) retried.push({ failedRunId: run.id, result });
    }
    return retried;
  }
}
