/**
 * kafkajs 2.2.4 keeps every broker connection's request queue busy while nothing happens: after a
 * response it schedules a check of its pending requests even when none is pending and the broker
 * throttles nothing, with a negative delay (Node runs it after 1 ms), and that check schedules the
 * next one. Each connection so wakes its process a thousand times a second: an idle service with a
 * consumer spends about 2 % of a core on it (docs/benchmarks.md, "at rest"). Upstream knows it
 * (kafkajs issues 1556 and 1704) but has not released a fix.
 *
 * The check is needed only for a request waiting in the queue, or while the broker throttles; a
 * request queued later schedules its own check, and a response makes the queue look again. So the
 * check is skipped when neither holds. Loaded by the Kafka client (client.ts) before any
 * connection exists.
 */
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const { prototype } = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueue };
const scheduleCheck = prototype.scheduleCheckPendingRequests;

prototype.scheduleCheckPendingRequests = function scheduleOnlyWhenWaiting(this: RequestQueue): void {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  scheduleCheck.call(this);
};
