import { runError } from '../domain/errors';
import type { Run } from '../domain/run';
import { requireWorkspace } from './list-runs.use-case';
import type { RunRepository } from './ports';

export interface GetRunCommand {
  workspaceId: string;
  runId: string;
}

/** One run of the workspace; another workspace's run is indistinguishable from a missing one. */
export class GetRunUseCase {
  constructor(private readonly deps: { runs: RunRepository }) {}

  async execute({ workspaceId, runId }: GetRunCommand): Promise<Run> {
    requireWorkspace(workspaceId);
    if (!runId) throw runError('RUN.ID_REQUIRED', 'run_id is required', { field: 'run_id' });
    const run = await this.deps.runs.findInWorkspace(workspaceId, runId);
    if (!run) throw runError('RUN.NOT_FOUND', 'run not found', { runId: runId.slice(0, 100) });
    return run;
  }
}
