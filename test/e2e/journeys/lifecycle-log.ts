/**
 * Every lifecycle topic of a stack, read from the beginning with its own consumer group: what
 * audit is supposed to have recorded. Keeps reading until stopped, so a test can wait for events
 * that are still on their way (relays publish after the commit).
 */
import { LIFECYCLE_TOPICS, parseEnvelope, topicsFor } from '@tenantatlas/kafka';
import { testInfra, uniqueName, waitFor } from '@tenantatlas/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

export interface LifecycleEvent {
  id: string;
  type: string;
  subject: string;
  workspaceId: string;
  tenantId: string | null;
  time: string;
  actor: { kind: 'user'; userId: string } | { kind: 'system'; component: string };
  data: Record<string, unknown>;
  topic: string;
  partition: number;
  offset: string;
  /** when the broker got it (ms), i.e. when a relay published it */
  publishedAt: number;
}

/** The prefixed lifecycle topic names; `KAFKA_TOPIC_PREFIX` of the stack is `<prefix>.`. */
export function lifecycleTopics(stackPrefix: string): string[] {
  const all = Object.values(topicsFor(`${stackPrefix}.`));
  return LIFECYCLE_TOPICS.map((name) => {
    const prefixed = all.find((topic) => topic.endsWith(`.${name}`));
    if (!prefixed) throw new Error(`no prefixed topic for ${name}`);
    return prefixed;
  });
}

export class LifecycleLog {
  /** every delivery, in partition order (a redelivered event appears more than once) */
  readonly events: LifecycleEvent[] = [];
  private readonly read = new Map<string, bigint>();
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;

  constructor(private readonly topics: string[]) {
    this.kafka = new Kafka({ clientId: 'journeys-audit-check', brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
  }

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: uniqueName('journeys-audit-check') });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const parsed = parseEnvelope(message.value);
        // an unreadable message is audit's dead letter, not a lifecycle event (cloudevents.itest.ts finds none)
        if (parsed.ok) this.events.push({ ...parsed.event, topic, partition, offset: message.offset, publishedAt: Number(message.timestamp) });
        this.read.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
      },
    });
    return this;
  }

  /** Waits until everything published before this call has been read. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<string, bigint>();
    try {
      for (const topic of this.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    const behind = () => [...ends].filter(([key, end]) => (this.read.get(key) ?? 0n) < end).map(([key]) => key);
    await waitFor(() => behind().length === 0, { timeoutMs, intervalMs: 100, what: 'the lifecycle topics to be read to their end' });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
