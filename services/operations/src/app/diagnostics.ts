import { parseScript, stepForAttempt } from '../domain/diagnostics-script';
import type { ExecutionResult } from '../domain/transitions';
import type { ExecutionContext, RunExecutor } from './registry';

/** Waits, unless the attempt is aborted first (timeout, cancel, lost lease). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `diagnostics.noop`: proves the pipeline (start → dispatch → worker → events) end to end. */
export class NoopExecutor implements RunExecutor {
  async execute(): Promise<ExecutionResult> {
    return { kind: 'succeeded', summaryCounts: { checks: 1 }, message: 'pipeline check passed' };
  }
}

/** `diagnostics.scripted`: does what its context's script says for each attempt. */
export class ScriptedExecutor implements RunExecutor {
  async execute({ run, attempt, signal }: ExecutionContext): Promise<ExecutionResult> {
    const steps = parseScript(run.context.script ?? 'ok');
    if (!steps) return { kind: 'failed', errorClass: 'permanent', reasonCode: 'RUN.CONTEXT_INVALID', message: 'invalid script' };
    const step = stepForAttempt(steps, attempt);
    await pause(step.sleepMs, signal);
    if (step.result === null) {
      // run into the timeout
      await pause(24 * 60 * 60 * 1000, signal);
      return { kind: 'failed', errorClass: 'timeout', reasonCode: 'RUN.TIMEOUT', message: 'aborted' };
    }
    return step.result;
  }
}
