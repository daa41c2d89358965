import { EventConsumer, eventKey, toKafkaMessage, type DeliveredEvent } from '@tenantatlas/shared';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DeadLetterSink } from '../../app/ports';
import type { RecordLifecycleEvent } from '../../app/record-lifecycle-event.use-case';

/**
 * Follows every lifecycle topic from the beginning, a fetched batch at a time (a new consumer group sees the whole history;
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
    // A whole fetched batch per partition: each workspace's events in it become one chain write.
    // A dead letter of a decoded event is that event again as a CloudEvent (an event of the
    // previous envelope is dead-lettered in the current format).
    handleBatch: async (delivered: DeliveredEvent[]) => {
      const results = await recordEvent.executeBatch(
        delivered.map(({ event, meta }) => ({ event, origin: { ...meta, ...toKafkaMessage(event, eventKey(event)) } })),
      );
      results.forEach((result, i) => {
        const { event, meta } = delivered[i]!;
        if (result === 'dead-lettered') logger.warn({ ...meta, eventId: event.id, type: event.type }, 'event sent to the dead-letter topic');
      });
    },
    onPoison: (message, reason) => deadLetters.send(message, reason),
  });
}
