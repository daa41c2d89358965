import { NOOP_RUN_TYPE, PROVIDER_RUN_TYPES, SCRIPTED_RUN_TYPE } from '../domain/catalog';
import { NoopExecutor, ScriptedExecutor } from './diagnostics';
import { RunTypeRegistry, type RunExecutor } from './registry';

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
