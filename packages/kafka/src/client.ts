import { Kafka, logLevel, type Admin, type LogEntry, type ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { RECONNECT_RETRY } from '@tenantatlas/core';

const PINO_LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * How every Kafka client retries while the broker is away (core's RECONNECT_RETRY). Consumers that
 * exhaust their retries are restarted by kafkajs after the last delay (its default
 * `restartOnFailure`) and try again.
 */
export const KAFKA_RETRY = RECONNECT_RETRY;

export function createKafka(options: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    retry: { ...KAFKA_RETRY },
    // kafkajs is chatty at INFO (every join/rebalance); only its warnings matter to operators.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[PINO_LEVEL[level] ?? 'info'](rest, message);
      },
  });
}

/** Creates the topics that do not exist yet; safe to call from every replica at start. */
export async function ensureTopics(
  kafka: Kafka,
  topics: string[],
  options: { numPartitions?: number; config?: ITopicConfig['configEntries'] } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Several services create the same topics at once on a fresh broker: the loser of that race
    // sees "topic exists" or, while the winner's partitions get leaders, "does not host this
    // topic-partition". Both pass; asking again settles it.
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((topic) => !existing.has(topic));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({
              topic,
              numPartitions: options.numPartitions ?? 3,
              replicationFactor: -1,
              configEntries: options.config,
            })),
          });
        }
        await admin.fetchTopicMetadata({ topics });
        return;
      } catch (err) {
        const e = err as { retriable?: boolean; type?: string; name?: string };
        const retriable = e.retriable === true || e.type === 'TOPIC_ALREADY_EXISTS' || e.name === 'KafkaJSAggregateError';
        if (!retriable || attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Messages a consumer group has not committed yet, per partition. */
export async function consumerLag(admin: Admin, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const lags: PartitionLag[] = [];
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const done = partitions.find((p) => p.partition === end.partition);
      const committedOffset = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(end.low);
      lags.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - committedOffset) });
    }
  }
  return lags;
}
