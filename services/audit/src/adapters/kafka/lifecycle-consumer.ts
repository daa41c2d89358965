import { EventConsumer, eventKey, toKafkaMessage, type EventEnvelope, type MessageMeta } from '@tenantatlas/shared';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DeadLetterSink } from '../../app/ports';
import type { RecordLifecycleEvent } from '../../app/record-lifecycle-event.use-case';

/**
 * Follows every lifecycle topic from the beginning (a new consumer group sees the whole history;
 * what is already recorded is skipped by event id). Unparsable messages go to the dead-letter
 * topic and the partition moves on.
 */
export function lifecycleConsumer(options: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  recordEvent: RecordLifecycleEvent;
  deadLetters: DeadLetterSink;
  partitionsConcurrently: number;
}): EventConsumer {
  const { kafka, groupId, topics, logger, recordEvent, deadLetters, partitionsConcurrently } = options;
  return new EventConsumer({
    kafka,
    groupId,
    topics,
    logger: logger.child({ component: 'lifecycle-consumer' }),
    fromBeginning: true,
    partitionsConsumedConcurrently: partitionsConcurrently,
    handle: async (event: EventEnvelope, meta: MessageMeta) => {
      // a dead letter of a decoded event is that event again as a CloudEvent (an event of the
      // previous envelope is dead-lettered in the current format)
      const result = await recordEvent.execute(event, { ...meta, ...toKafkaMessage(event, eventKey(event)) });
      if (result === 'dead-lettered') logger.warn({ ...meta, eventId: event.id, type: event.type }, 'event sent to the dead-letter topic');
    },
    onPoison: (message, reason) => deadLetters.send(message, reason),
  });
}
