import { failedPrecondition, invalidArgument, type Actor } from '@tenantatlas/shared';
import { isAdmissionRefusal } from '../domain/admission';
import type { Run } from '../domain/run';
import type { RunAdmission } from './admission';
import type { RunRepository } from './ports';
import type { RunQueries } from './run-queries';
import { parseTime, requireWorkspace } from './run-queries';
import type { StartRun, StartRunResult } from './start-run';

export interface RetryFailedCommand {
  workspaceId: string;
  actor: Actor;
  tenantId?: string;
  type?: string;
  completedAfter?: string;
  limit?: number;
}

/**
 * Rerun one completed run, or every failed run matching a filter (bulk retry). A rerun is a start:
 * its tenant and subject are checked again by their owners (StartRun), so a run whose tenant was
 * archived, or whose connection no longer belongs to its tenant, is not started again.
 */
export class Rerun {
  constructor(
    private readonly runs: RunRepository,
    private readonly queries: RunQueries,
    private readonly startRun: StartRun,
    private readonly admission: RunAdmission,
  ) {}

  async one(workspaceId: string, runId: string, actor: Actor, idempotencyKey: string | null): Promise<StartRunResult> {
    const run = await this.queries.get(workspaceId, runId);
    if (run.status !== 'completed') {
      throw failedPrecondition('RUN.NOT_COMPLETED', 'only a completed run can be rerun; this one is still active', { status: run.status });
    }
    return this.again(run, actor, idempotencyKey);
  }

  async failed(command: RetryFailedCommand): Promise<{ failedRunId: string; result: StartRunResult }[]> {
    requireWorkspace(command.workspaceId);
    const limit = command.limit ?? 0;
    if (limit < 0 || limit > 200) throw invalidArgument('RUN.INVALID_LIMIT', 'limit must be between 1 and 200', { field: 'limit' });
    // a tenant filter names a tenant: another workspace's or a random one is not found, not an empty result
    if (command.tenantId) await this.admission.admitTenant(command.workspaceId, command.tenantId);
    const failed = await this.runs.list({
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
      const result = await this.again(run, command.actor, `retry:${run.id}`).catch((err: unknown) => {
        // one run whose tenant was archived or whose subject left its tenant does not stop the others
        if (isAdmissionRefusal(err)) return null;
        throw err;
      });
      if (result) retried.push({ failedRunId: run.id, result });
    }
    return retried;
  }

  private again(run: Run, actor: Actor, idempotencyKey: string | null): Promise<StartRunResult> {
    return this.startRun.execute({
      workspaceId: run.workspaceId,
      tenantId: run.tenantId,
      type: run.type,
      subject: run.subject,
      context: run.context,
      idempotencyKey,
      actor,
      rerunOf: run.id,
    });
  }
}
