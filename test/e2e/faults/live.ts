/** Counts completed runs from the operations events topic as they happen (progress only). */
import { randomUUID } from 'node:crypto';
import { topicsFor } from '@tenantatlas/shared';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

export class LiveCompletions {
  private readonly completed = new Set<string>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly stackPrefix: string,
  ) {}

  get count(): number {
    return this.completed.size;
  }

  async start(): Promise<void> {
    // keeps retrying through the broker outage instead of giving up
    const kafka = new Kafka({ clientId: 'faults-progress', brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1_000, maxRetryTime: 2_000 } });
    this.consumer = kafka.consumer({ groupId: `faults-progress-${randomUUID()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topicsFor(`${this.stackPrefix}.`).operationsEvents, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(String(message.value)) as { data?: { runId?: string; status?: string } };
        if (event.data?.status === 'completed' && event.data.runId) this.completed.add(event.data.runId);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
