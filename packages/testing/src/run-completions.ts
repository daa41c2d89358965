import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { topicsFor } from '@tenantatlas/kafka';
import { uniqueName } from './index';

export interface Completion {
  outcome: string;
  /** performance.now() when this process read the terminal event */
  at: number;
}

/**
 * Learns when runs complete from the operations events topic, the way onboarding does, so a
 * benchmark or test can wait for many runs without polling the database.
 */
export class RunCompletions {
  private readonly waiting = new Map<string, (c: Completion) => void>();
  private readonly done = new Map<string, Completion>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly topicPrefix: string,
    /** keep retrying through a broker outage (the fault run stops Kafka) instead of giving up */
    private readonly options: { survivesOutages?: boolean } = {},
  ) {}

  get count(): number {
    return this.done.size;
  }

  async start(): Promise<void> {
    const retry = this.options.survivesOutages ? { retries: 1_000, maxRetryTime: 2_000 } : undefined;
    const kafka = new Kafka({ clientId: 'run-completions', brokers: this.brokers, logLevel: logLevel.NOTHING, ...(retry ? { retry } : {}) });
    this.consumer = kafka.consumer({ groupId: uniqueName('run-completions') });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topicsFor(this.topicPrefix).operationsEvents, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(String(message.value)) as { data?: { runId?: string; status?: string; outcome?: string } };
        const { runId, status, outcome } = event.data ?? {};
        if (!runId || status !== 'completed' || this.done.has(runId)) return;
        const completion = { outcome: outcome ?? '', at: performance.now() };
        this.done.set(runId, completion);
        this.waiting.get(runId)?.(completion);
        this.waiting.delete(runId);
      },
    });
  }

  completed(runId: string): Promise<Completion> {
    const known = this.done.get(runId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.waiting.set(runId, resolve));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/** The p-th percentile (nearest rank) of some measurements. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
