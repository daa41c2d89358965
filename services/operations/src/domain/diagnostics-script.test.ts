import { parseScript, stepForAttempt } from './diagnostics-script';

describe('diagnostics script', () => {
  it('gives each attempt its step and repeats the last one', () => {
    const steps = parseScript('retry:PROVIDER.THROTTLED:1500,sleep:200+partial:PERMISSION.MISSING')!;
    expect(stepForAttempt(steps, 1)).toEqual({
      sleepMs: 0,
      result: expect.objectContaining({ kind: 'failed', errorClass: 'retryable', reasonCode: 'PROVIDER.THROTTLED', retryAfterMs: 1500 }),
    });
    expect(stepForAttempt(steps, 2)).toEqual({ sleepMs: 200, result: expect.objectContaining({ kind: 'partially_succeeded' }) });
    expect(stepForAttempt(steps, 7)).toBe(stepForAttempt(steps, 2));
    expect(stepForAttempt(parseScript('timeout')!, 1).result).toBeNull();
  });

  it('rejects what it does not understand', () => {
    for (const bad of ['explode', 'retry', 'fail:lowercase', 'retry:X:-1', 'sleep:abc+ok', 'ok+ok', 'sleep:99999999+ok', '']) {
      expect(parseScript(bad)).toBeUndefined();
    }
  });
});
