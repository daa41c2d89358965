import { createKafka, EventConsumer, topicsFor, type EventEnvelope } from '@tenantatlas/kafka';
import { uniqueName } from '@tenantatlas/testing';
import pino from 'pino';

/** Follows the gateway's security-event topic from its beginning, collecting every event into `into`. */
export async function followSecurityEvents(brokers: string[], topicPrefix: string, into: EventEnvelope[]): Promise<EventConsumer> {
  const consumer = new EventConsumer({
    kafka: createKafka({ clientId: uniqueName('gateway-itest'), brokers, logger: pino({ level: 'silent' }) }),
    groupId: uniqueName('gw-security-events'),
    topics: [topicsFor(topicPrefix).securityEvents],
    logger: pino({ level: 'silent' }),
    fromBeginning: true,
    handle: async (event) => void into.push(event),
  });
  await consumer.start();
  return consumer;
}
