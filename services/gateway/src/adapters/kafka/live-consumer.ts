import { randomUUID } from 'node:crypto';
import { EventConsumer, type Topics } from '@tenantatlas/kafka';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { LiveFeed } from '../../app/live-feed';

/**
 * Every gateway replica needs every change for its own SSE clients, so each one reads with its own
 * consumer group, from the latest offset (a live view; history comes from the services' APIs).
 */
export function liveConsumer(options: { kafka: Kafka; topics: Topics; prefix: string; feed: LiveFeed; logger: Logger }): EventConsumer {
  const { kafka, topics, prefix, feed, logger } = options;
  return new EventConsumer({
    kafka,
    groupId: `${prefix}tenantatlas.gateway.live.${randomUUID()}`,
    topics: [topics.onboardingEvents, topics.connectionsEvents, topics.operationsEvents],
    logger: logger.child({ component: 'live-feed' }),
    fromBeginning: false,
    handle: async (event) => feed.publish(event),
  });
}
