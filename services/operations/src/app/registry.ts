import { NOOP_RUN_TYPE, PROVIDER_RUN_TYPES, SCRIPTED_RUN_TYPE } from '../domain/catalog';
import type { Run } from '../domain/run';
import type { RunTypePolicy } from '../domain/run-type';
import type { ExecutionResult } from '../domain/transitions';
import { NoopExecutor, ScriptedExecutor } from './diagnostics';

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

  /** The registered types' policies by name: all a start needs to know of a type. */
  policies(): ReadonlyMap<string, RunTypePolicy> {
    return this.types;
  }

  all(): RunType[] {
    return [...this.types.values()];
  }
}

/** Executors of the provider types, built by the composition root around the connections client. */
export type ProviderExecutors = Record<(typeof PROVIDER_RUN_TYPES)[number]['name'], RunExecutor>;

export function buildRegistry(providers: ProviderExecutors, options: { diagnostics: boolean }): RunTypeRegistry {
  const registry = new RunTypeRegistry();
  for (const policy of PROVIDER_RUN_TYPES) {
    const executor = providers[policy.name];
    if (!executor) throw new Error(`no executor for run type ${policy.name}`);
    registry.register(policy, executor);
  }
  registry.register(NOOP_RUN_TYPE, new NoopExecutor());
  if (options.diagnostics) registry.register(SCRIPTED_RUN_TYPE, new ScriptedExecutor());
  return registry;
}
