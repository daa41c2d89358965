import type { ObservableResult } from '@opentelemetry/api';
import type { Admin, Consumer, ConsumerConfig, ConsumerSubscribeTopics, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { consumerLag } from '@tenantatlas/kafka';
import { sharedMeter, withTimeout } from '@tenantatlas/core';
import { outboxBacklog } from '@tenantatlas/store';

/**
 * Gauges read at scrape time: how many documents still hold unpublished outbox events, and how
 * far each consumer group of this process is behind the end of its topics. Both are computed on
 * demand (nothing runs between scrapes); the lag is bounded by a timeout, so a slow broker makes a
 * scrape miss a value rather than hang.
 */

const OBSERVE_TIMEOUT_MS = 3_000;

/**
 * `tenantatlas_outbox_backlog{collection}`: documents whose outbox events this process's relays
 * have not published yet, read from the relays' memory: counting `outboxPending` documents would
 * be a scan per collection on every scrape (FerretDB). Events a dead process left behind appear
 * once the recovery pass of a start has found them.
 */
export function observeOutboxBacklog(): void {
  sharedMeter()
    .createObservableGauge('tenantatlas_outbox_backlog', {
      description: 'Documents holding outbox events not yet published to Kafka, by collection',
    })
    .addCallback((result: ObservableResult) => {
      for (const [collection, pending] of outboxBacklog()) result.observe(pending, { collection });
    });
}

/**
 * Remembers the group and topics of every consumer created from this Kafka client, so the lag
 * gauge covers the service's consumers without each of them registering itself.
 */
export class ConsumerGroups {
  private readonly groups = new Map<string, Set<string>>();

  watch(kafka: Kafka): void {
    const createConsumer = kafka.consumer.bind(kafka);
    kafka.consumer = (config: ConsumerConfig): Consumer => {
      const consumer = createConsumer(config);
      const subscribe = consumer.subscribe.bind(consumer);
      consumer.subscribe = async (subscription: ConsumerSubscribeTopics | { topic: string | RegExp }) => {
        const topics = 'topics' in subscription ? subscription.topics : [subscription.topic];
        const known = this.groups.get(config.groupId) ?? new Set<string>();
        for (const topic of topics) if (typeof topic === 'string') known.add(topic);
        this.groups.set(config.groupId, known);
        return subscribe(subscription as ConsumerSubscribeTopics);
      };
      return consumer;
    };
  }

  entries(): [string, string[]][] {
    return [...this.groups].map(([group, topics]) => [group, [...topics]]);
  }
}

/**
 * `tenantatlas_kafka_consumer_lag{group, topic}`: messages on the topic not yet committed by the
 * group (summed over partitions). Every replica of a group reports the whole group's lag, so
 * dashboards take `max by (group, topic)`.
 */
export function observeConsumerLag(kafka: Kafka, groups: ConsumerGroups, logger: Logger): { stop(): Promise<void> } {
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  const connected = () => {
    if (admin) return Promise.resolve(admin);
    connecting ??= (async () => {
      const client = kafka.admin();
      try {
        await client.connect();
        admin = client;
        return client;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };
  sharedMeter()
    .createObservableGauge('tenantatlas_kafka_consumer_lag', {
      description: 'Messages not yet committed by a consumer group, by group and topic',
    })
    .addCallback(async (result: ObservableResult) => {
      const watched = groups.entries().filter(([, topics]) => topics.length > 0);
      if (watched.length === 0) return;
      try {
        const client = await withTimeout(connected(), OBSERVE_TIMEOUT_MS);
        for (const [group, topics] of watched) {
          const lags = await withTimeout(consumerLag(client, group, topics), OBSERVE_TIMEOUT_MS);
          const byTopic = new Map<string, number>(topics.map((topic) => [topic, 0]));
          for (const { topic, lag } of lags) byTopic.set(topic, (byTopic.get(topic) ?? 0) + lag);
          for (const [topic, lag] of byTopic) result.observe(lag, { group, topic });
        }
      } catch (err) {
        logger.debug({ err }, 'consumer lag not measured');
      }
    });
  return {
    async stop() {
      const client = admin ?? (await connecting?.catch(() => undefined));
      admin = undefined;
      await client?.disconnect().catch(() => undefined);
    },
  };
}
