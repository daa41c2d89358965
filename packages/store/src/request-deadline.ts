import type { Schema } from 'mongoose';
import { requestTimeLeftMs } from '@tenantatlas/core';

/**
 * A query made while answering a call gets the call's remaining time as its `maxTimeMS`: once the
 * caller has given up, the database stops too, instead of scanning on for nobody (on FerretDB,
 * which reads every document for any filter but `_id`, a page over a million rows would otherwise
 * go on for minutes and hold gigabytes). The call's deadline is core's `withRequestDeadline`, set
 * by the gRPC server. Work outside a call (relays, sweepers, consumers) and calls without a
 * deadline are not limited; neither is a query that sets its own `maxTimeMS`.
 * A query stopped this way fails with MaxTimeMSExpired: `DATABASE.QUERY_TIMED_OUT` (unavailable.ts).
 *
 * This mongoose plugin (connectMongo registers it for every model) gives the reads a call makes its remaining time.
 */
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
