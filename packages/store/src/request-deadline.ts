import { AsyncLocalStorage } from 'node:async_hooks';
import type { Schema } from 'mongoose';

/**
 * A query made while answering a call gets the call's remaining time as its `maxTimeMS`: once the
 * caller has given up, the database stops too, instead of scanning on for nobody (on FerretDB,
 * which reads every document for any filter but `_id`, a page over a million rows would otherwise
 * go on for minutes and hold gigabytes). Work outside a call (relays, sweepers, consumers) and
 * calls without a deadline are not limited; neither is a query that sets its own `maxTimeMS`.
 * A query stopped this way fails with MaxTimeMSExpired: `DATABASE.QUERY_TIMED_OUT` (unavailable.ts).
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

/** Mongoose plugin (connectMongo registers it for every model): the reads a call makes carry its remaining time. */
export function requestDeadlinePlugin(schema: Schema): void {
  schema.pre(['find', 'findOne', 'countDocuments', 'distinct'], function applyRequestDeadline() {
    const left = requestTimeLeftMs();
    if (left !== undefined && this.getOptions().maxTimeMS === undefined) this.maxTimeMS(left);
  });
  schema.pre('aggregate', function applyRequestDeadline() {
    const left = requestTimeLeftMs();
    if (left !== undefined && this.options.maxTimeMS === undefined) this.option({ maxTimeMS: left });
  });
}
