import type { Run } from '../domain/run';
import type { RunTypePolicy } from '../domain/run-type';
import type { ExecutionResult } from '../domain/transitions';

export interface ExecutionContext {
  /** the run as claimed (status running, attempt under this worker's lease) */
  run: Run;
  /** 1-based; a repeat of an attempt (after a lost worker) gets a higher number, so handlers can be safe to repeat */
  attempt: number;
  /** aborted on timeout, cancellation or a lost lease: stop and return */
  signal: AbortSignal;
}

/** Executes one attempt of a run type. Throwing is allowed; the worker classifies the error. */
export interface RunExecutor {
  execute(ctx: ExecutionContext): Promise<ExecutionResult>;
}

export interface RunType extends RunTypePolicy {
  executor: RunExecutor;
}

export class RunTypeRegistry {
  private readonly types = new Map<string, RunType>();

  register(policy: RunTypePolicy, executor: RunExecutor): this {
    this.types.set(policy.name, { ...policy, executor });
    return this;
  }

  get(name: string): RunType | undefined {
    return this.types.get(name);
  }

  all(): RunType[] {
    return [...this.types.values()];
  }
}
