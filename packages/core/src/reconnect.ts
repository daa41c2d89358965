/**
 * How every client of the broker or the database retries while it is away: exponential from
 * 200 ms, never more than 1 s apart, so a producer, consumer, admin or outbox relay is back within
 * about a second of the broker or database being back (docs/architecture.md, "Outages and
 * recovery"). The kafka package hands it to kafkajs as its `retry` setting.
 */
export const RECONNECT_RETRY = { initialRetryTime: 200, retries: 8, maxRetryTime: 1_000 } as const;

/**
 * The pause after the n-th failure in a row (n ≥ 1) of a loop that needs the broker or the database
 * (the outbox relays, the consumers): the same doubling from 200 ms (200, 400, 800 ms), capped at
 * RECONNECT_RETRY.maxRetryTime.
 */
export function reconnectBackoffMs(failures: number): number {
  const doublings = Math.min(Math.max(failures - 1, 0), 5);
  return Math.min(RECONNECT_RETRY.maxRetryTime, RECONNECT_RETRY.initialRetryTime * 2 ** doublings);
}

/** Resolves after `ms` (the pause of such a loop). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
