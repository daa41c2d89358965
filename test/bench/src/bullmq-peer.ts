/**
 * The peer: BullMQ on a local Redis doing the same work as TenantAtlas in the benchmark — a no-op
 * job, deduplicated by job id, with retries and exponential backoff, executed by worker processes.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

/** One PING on a fresh connection that does not retry: true once Redis answers. */
async function ping(port: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
import { freePort, REPO_ROOT, waitFor } from '@tenantatlas/testing';

const JOB_OPTIONS = { attempts: 4, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: false };

export class BullmqPeer {
  private redis: ChildProcess | undefined;
  private readonly workers: ChildProcess[] = [];
  private port = 0;
  private queue: Queue | undefined;
  private events: QueueEvents | undefined;
  private readonly completedAt = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();
  private readonly name = `bench-${Date.now()}`;

  async start(): Promise<void> {
    this.port = await freePort();
    const dir = path.join(REPO_ROOT, '.run', 'bench', 'redis');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    // durability like a production BullMQ setup: append-only file, fsync every second
    this.redis = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: 'ignore' });
    const connection = { host: '127.0.0.1', port: this.port };
    await waitFor(() => ping(this.port), { timeoutMs: 20_000, what: 'redis-server' });
    this.queue = new Queue(this.name, { connection });
    this.events = new QueueEvents(this.name, { connection });
    await this.events.waitUntilReady();
    this.events.on('completed', ({ jobId }) => {
      this.completedAt.set(jobId, performance.now());
      this.waiting.get(jobId)?.();
      this.waiting.delete(jobId);
    });
  }

  async setWorkers(count: number, concurrency: number, sleepMs: number): Promise<void> {
    await this.stopWorkers();
    for (let i = 0; i < count; i++) {
      const child = fork(path.join(__dirname, 'bullmq-worker.js'), [String(this.port), this.name, String(concurrency), String(sleepMs)], { stdio: 'ignore' });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`BullMQ worker exited with ${code}`)));
      });
      this.workers.push(child);
    }
  }

  /** Adds one job; resolves when Redis accepted it. */
  async add(jobId: string): Promise<string> {
    const job = await this.queue!.add('noop', { tenant: jobId }, { ...JOB_OPTIONS, jobId });
    return job.id!;
  }

  completed(jobId: string): Promise<number> {
    const at = this.completedAt.get(jobId);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.waiting.set(jobId, () => resolve(this.completedAt.get(jobId)!)));
  }

  async jobCount(): Promise<number> {
    const counts = await this.queue!.getJobCounts('waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  rssMb(): number {
    return rssMb(this.redis?.pid);
  }

  private async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => new Promise<void>((resolve) => (w.once('exit', () => resolve()), w.kill('SIGTERM')))));
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await this.events?.close();
    await this.queue?.close();
    this.redis?.kill('SIGTERM');
  }
}

/** Resident set size of a process in MB (0 when it is gone). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}
