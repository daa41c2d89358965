import type { ExecutionResult } from './transitions';

/**
 * The behaviour of a `diagnostics.scripted` run, given in its context so tests (and operators
 * checking the pipeline) can exercise retries, Retry-After and crashes without a provider.
 *
 * `script` is a comma-separated list of steps, one per attempt (the last repeats):
 *   ok | partial:<REASON> | retry:<REASON>[:<retryAfterMs>] | fail:<REASON> | timeout
 * each optionally prefixed by `sleep:<ms>+` (the attempt takes that long), e.g.
 *   `retry:PROVIDER.THROTTLED:1500,ok` or `sleep:60000+ok,ok`.
 */
export interface ScriptStep {
  sleepMs: number;
  /** null = run into the type's timeout */
  result: ExecutionResult | null;
}

const REASON = /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)*$/;
const MAX_SLEEP_MS = 10 * 60 * 1000;

function parseResult(text: string): ExecutionResult | null | undefined {
  const [name, reason, extra] = text.split(':');
  if (name === 'ok' && reason === undefined) return { kind: 'succeeded', summaryCounts: { checks: 1 } };
  if (name === 'timeout' && reason === undefined) return null;
  if (!reason || !REASON.test(reason)) return undefined;
  if (name === 'partial' && extra === undefined) {
    return { kind: 'partially_succeeded', reasonCode: reason, message: 'some checks did not pass', summaryCounts: { checks: 1, warnings: 1 } };
  }
  if (name === 'fail' && extra === undefined) {
    return { kind: 'failed', errorClass: 'permanent', reasonCode: reason, message: 'the scripted attempt failed' };
  }
  if (name === 'retry') {
    const retryAfterMs = extra === undefined ? 0 : Number(extra);
    if (!Number.isInteger(retryAfterMs) || retryAfterMs < 0 || retryAfterMs > MAX_SLEEP_MS) return undefined;
    return { kind: 'failed', errorClass: 'retryable', reasonCode: reason, message: 'the scripted attempt asked for a retry', retryAfterMs };
  }
  return undefined;
}

function parseStep(text: string): ScriptStep | undefined {
  const parts = text.trim().split('+');
  let sleepMs = 0;
  if (parts.length === 2) {
    const match = /^sleep:(\d{1,7})$/.exec(parts[0] ?? '');
    if (!match) return undefined;
    sleepMs = Number(match[1]);
    if (sleepMs > MAX_SLEEP_MS) return undefined;
  } else if (parts.length !== 1) {
    return undefined;
  }
  const result = parseResult(parts[parts.length - 1] ?? '');
  return result === undefined ? undefined : { sleepMs, result };
}

export function parseScript(script: string): ScriptStep[] | undefined {
  const steps = script.split(',').map(parseStep);
  if (steps.length === 0 || steps.length > 20 || steps.some((step) => step === undefined)) return undefined;
  return steps as ScriptStep[];
}

export function stepForAttempt(steps: ScriptStep[], attempt: number): ScriptStep {
  return steps[Math.min(attempt, steps.length) - 1] as ScriptStep;
}
