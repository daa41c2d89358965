import type { Actor } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import type { Run } from '../domain/run';
import type { GetRunUseCase } from './get-run.use-case';
import type { StartRunCommand, StartRunResult, StartRunUseCase } from './start-run.use-case';

export interface RerunRunCommand {
  workspaceId: string;
  runId: string;
  actor: Actor;
  idempotencyKey: string | null;
}

/**
 * The start of a completed run again: same tenant, type, subject and context. A rerun is a start,
 * so its tenant and subject are checked again by their owners: a run whose tenant was archived,
 * or whose connection no longer belongs to its tenant, is not started again.
 */
export const rerunOf = (run: Run, actor: Actor, idempotencyKey: string | null): StartRunCommand => ({
  workspaceId: run.workspaceId,
  tenantId: run.tenantId,
  type: run.type,
  subject: run.subject,
  context: run.context,
  idempotencyKey,
  actor,
  rerunOf: run.id,
});

/** Reruns one completed run. */
export class RerunRunUseCase {
  constructor(private readonly deps: { getRun: GetRunUseCase; startRun: StartRunUseCase }) {}

  async execute({ workspaceId, runId, actor, idempotencyKey }: RerunRunCommand): Promise<StartRunResult> {
    const run = await this.deps.getRun.execute({ workspaceId, runId });
    if (run.status !== 'completed') {
      throw runError('RUN.NOT_COMPLETED', 'only a completed run can be rerun; this one is still active', { status: run.status });
    }
    return this.deps.startRun.execute(rerunOf(run, actor, idempotencyKey));
  }
}
