import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The deadline of the call being answered, for the work it does: the gRPC server sets it from the
 * caller's deadline, and a store gives a query the time left as its limit (the store's
 * `requestDeadlinePlugin`), so once the caller has given up the database stops too. Work outside
 * a call (relays, sweepers, consumers) and calls without a deadline are not limited.
 */
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with `deadline` (epoch ms; Infinity = none) as the limit of the queries it makes. */
export function withRequestDeadline<T>(deadline: number, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** Milliseconds left to the current call's deadline (at least 1), or undefined outside a call with one. */
export function requestTimeLeftMs(now = Date.now()): number | undefined {
  const deadline = deadlines.getStore();
  if (deadline === undefined || !Number.isFinite(deadline)) return undefined;
  return Math.max(1, Math.floor(deadline - now));
}

/**
 * Runs `work` free of the current call's deadline: work a call starts that is not the call's own
 * (it goes on after the call answered, or serves other calls too) must not stop when that caller
 * gives up.
 */
export function apartFromTheCall<T>(work: () => T): T {
  return deadlines.exit(work);
}
