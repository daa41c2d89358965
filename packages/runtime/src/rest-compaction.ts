import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** How long the event loop must stay at rest, after work, before the heap is compacted. */
const REST_WINDOW_MS = 5_000;
/**
 * Below this share of a window spent running code the process is at rest: its own timers (the
 * Kafka fetch loop, the metric samplers, the workers' one-second sweep) stay far below it.
 */
const AT_REST_UTILIZATION = 0.02;

/**
 * V8 gives memory back to the system only after a full collection, and a process at rest starts
 * none: a service kept the heap a burst of requests had grown (12-16 MB of RSS a service,
 * docs/benchmarks.md "Idle memory"). Once the event loop has spent a whole window at rest after
 * doing work, one full collection compacts the heap and frees its empty pages; then none until
 * work has come and gone again, so a busy process never pays for it.
 */
export function compactAtRest({ windowMs = REST_WINDOW_MS, collect = fullCollection() } = {}): { stop(): void } {
  const window = restWindows(collect);
  let previous = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    window(performance.eventLoopUtilization(now, previous).utilization);
    previous = now;
  }, windowMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The decision, window by window, given the share of each window the event loop spent running
 * code: `collect` on the first window at rest after one with work (starting up is work).
 */
export function restWindows(collect: () => void): (utilization: number) => void {
  let workedSinceCompaction = true;
  return (utilization) => {
    if (utilization >= AT_REST_UTILIZATION) {
      workedSinceCompaction = true;
    } else if (workedSinceCompaction) {
      workedSinceCompaction = false;
      collect();
    }
  };
}

/**
 * V8's full collection without `--expose-gc` on the command line: the flag set now exposes `gc` to
 * contexts created after it. Measured with the idle-memory bench, starting the services with
 * `--expose-gc` instead left gateway and onboarding at 130 and 126 MB at rest, against 116 and 113.
 */
function fullCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
