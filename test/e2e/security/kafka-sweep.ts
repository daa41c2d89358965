/**
 * Reads every message of every topic whose name starts with a prefix, from the beginning up to the
 * end offsets at the time of the call.
 */
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName, waitFor } from '@tenantatlas/testing';

export interface SweptMessage {
  topic: string;
  partition: number;
  offset: string;
  /** key, value and headers as text */
  text: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export async function sweepTopics(brokers: string[], topicPrefix: string): Promise<{ topics: string[]; messages: SweptMessage[] }> {
  const kafka = new Kafka({ clientId: uniqueName('security-sweep'), brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId: uniqueName('security-sweep') });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix)).sort();
    const remaining = new Map<string, bigint>(); // `${topic}/${partition}` → last offset to read
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}/${p.partition}`, BigInt(p.high) - 1n);
      }
    }
    const messages: SweptMessage[] = [];
    if (remaining.size === 0) return { topics, messages };
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headerMap = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')]),
        );
        const headers = Object.entries(headerMap).map(([k, v]) => `${k}=${v}`);
        const key = message.key?.toString() ?? null;
        const value = message.value?.toString() ?? null;
        messages.push({ topic, partition, offset: message.offset, text: [key ?? '', value ?? '', ...headers].join('\n'), key, value, headers: headerMap });
        const position = `${topic}/${partition}`;
        const last = remaining.get(position);
        if (last !== undefined && BigInt(message.offset) >= last) remaining.delete(position);
      },
    });
    await waitFor(() => remaining.size === 0, { timeoutMs: 60_000, what: `every message of ${topics.length} topics (left: ${[...remaining.keys()].join(', ')})` });
    return { topics, messages };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
