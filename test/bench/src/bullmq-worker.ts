/**
 * One BullMQ worker process of the peer benchmark: the same no-op job as `diagnostics.noop` /
 * `diagnostics.scripted` (optionally waiting like a provider call), concurrency like one
 * operations worker replica.  node dist/bullmq-worker.js <redisPort> <queue> <concurrency> <sleepMs>
 */
import { Worker } from 'bullmq';

const [port, queue, concurrency, sleepMs] = process.argv.slice(2);
const worker = new Worker(
  queue!,
  async () => {
    const wait = Number(sleepMs);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return { checks: 1 };
  },
  { connection: { host: '127.0.0.1', port: Number(port) }, concurrency: Number(concurrency) },
);
worker.on('ready', () => process.send?.('ready'));
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
