import { EventConsumer, type EventEnvelope } from '@tenantatlas/kafka';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ExecuteRunUseCase } from '../../app/execute-run.use-case';
import { RUN_REQUESTED } from '../../domain/run';

export interface RunRequestConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  worker: ExecuteRunUseCase;
  logger: Logger;
}

/**
 * Feeds run requests to the worker. All worker replicas share one consumer group, so each request
 * reaches one of them; the handler returns once the worker has a free slot (the claim and the
 * attempt run in the background), which commits the offset early: from then on the run's lease,
 * or for a claim that failed its redispatch time, guards it (not Kafka).
 */
export function runRequestConsumer({ kafka, topic, groupId, worker, logger }: RunRequestConsumerOptions): EventConsumer {
  return new EventConsumer({
    kafka,
    groupId,
    topics: [topic],
    logger,
    // requests published before this group first joined must still run (e.g. while workers were down)
    fromBeginning: true,
    handle: async (event: EventEnvelope) => {
      const runId = event.data.runId;
      if (event.type !== RUN_REQUESTED || typeof runId !== 'string') {
        logger.warn({ type: event.type, eventId: event.id }, 'ignoring a message that is not a run request');
        return;
      }
      await worker.execute({ runId });
    },
  });
}
