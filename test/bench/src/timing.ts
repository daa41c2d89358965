import { percentile } from '@tenantatlas/testing';

/** A bench's default amount of work times BENCH_SCALE (0.05 for a smoke run), at least one. */
export const scaled = (count: number, scale: number): number => Math.max(1, Math.round(count * scale));

export const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** Runs `work`, adds its duration (ms) to `into` when given, and returns both. */
export async function timed<T>(work: () => Promise<T>, into?: number[]): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  const elapsed = performance.now() - start;
  into?.push(elapsed);
  return { ms: elapsed, value };
}

/** One line of latency figures (nearest-rank percentiles in ms), e.g. `n=40 p50 3.1 ms, p95 5.0 ms, max 9.2 ms`. */
export function latencyLine(samples: number[], ranks: number[] = [50, 95]): string {
  const figures = ranks.map((p) => `p${p} ${ms(percentile(samples, p))}`);
  return [`n=${samples.length}`, ...figures, `max ${ms(Math.max(...samples))}`].join(', ');
}

/**
 * `total` calls of `call(i)` from `concurrency` callers that each make the next call as soon as
 * theirs was answered (a closed loop); returns each call's latency (ms) and the seconds it all took.
 */
export async function closedLoop(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; seconds: number }> {
  const samples: number[] = [];
  let next = 0;
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await timed(() => call(next++), samples);
    }),
  );
  return { latencies: samples, seconds: (performance.now() - begun) / 1000 };
}

/** How many calls a closed loop completed a second. */
export const callsPerSecond = (loop: { latencies: number[]; seconds: number }): number => loop.latencies.length / loop.seconds;
