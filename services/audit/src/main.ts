import { loadConfig, registerErrorTranslator, retentionWindow } from '@tenantatlas/core';
import { GrpcServer, loadProto } from '@tenantatlas/grpc';
import { EventConsumer, LIFECYCLE_TOPICS, topicName } from '@tenantatlas/kafka';
import { ensureIndexes, infrastructureUnavailable } from '@tenantatlas/store';
import { connectInfrastructure, runService, serveGrpc } from '@tenantatlas/runtime';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/audit';
import { auditHandlers } from './adapters/grpc/audit.server';
import { KafkaConsumerLag } from './adapters/kafka/consumer-lag';
import { DeadLetterTopic } from './adapters/kafka/dead-letter-topic';
import { MongoAuditLog } from './adapters/mongo/audit-log.repository';
import { auditModels } from './adapters/mongo/audit-record.schema';
import { ExportAuditEventsUseCase } from './app/export-audit-events.use-case';
import { GetAuditEventUseCase } from './app/get-audit-event.use-case';
import { GetIngestStatusUseCase } from './app/get-ingest-status.use-case';
import { ListAuditEventsUseCase } from './app/list-audit-events.use-case';
import { RecordLifecycleEventsUseCase } from './app/record-lifecycle-events.use-case';
import { Retention } from './app/retention';
import { VerifyAuditChainUseCase } from './app/verify-audit-chain.use-case';
import { configSchema } from './config';

runService('audit', async ({ logger, lifecycle }) => {
  registerErrorTranslator(infrastructureUnavailable);
  const config = loadConfig(configSchema);
  const lifecycleTopics = LIFECYCLE_TOPICS.map((topic) => topicName(config.KAFKA_TOPIC_PREFIX, topic));
  const infra = await connectInfrastructure('audit', config, logger, lifecycle, (t) => [...lifecycleTopics, t.auditDeadLetter]);
  const models = auditModels(infra.mongo);
  // The unique indexes are the append's guards: they must exist before the first record.
  await ensureIndexes([models.records, models.heads, models.deadLetters]);
  const log = new MongoAuditLog(models);

  const deadLetters = new DeadLetterTopic(infra.kafka, infra.topics.auditDeadLetter, models.deadLetters, logger);
  await deadLetters.start();
  lifecycle.add('dead-letter producer', () => deadLetters.stop());

  const groupId = topicName(config.KAFKA_TOPIC_PREFIX, config.AUDIT_CONSUMER_GROUP);
  const lag = new KafkaConsumerLag(infra.kafka, groupId, lifecycleTopics);
  lifecycle.add('consumer lag reader', () => lag.stop());

  // Consumption starts before gRPC and stops after it: queries never outlive the store, and the
  // consumer is stopped before the dead-letter producer and MongoDB it writes to.
  // Every lifecycle topic from the beginning, a fetched batch per partition at a time (a new consumer
  // group sees the whole history; what is already recorded is skipped by event id): each
  // workspace's events in a batch become one chain write. Unparsable messages are dead-lettered.
  const retention = new Retention({ store: log, windowDays: retentionWindow(config) });
  const recordEvents = new RecordLifecycleEventsUseCase({ store: log, deadLetters, retention });
  const consumer = new EventConsumer({
    kafka: infra.kafka,
    groupId,
    topics: lifecycleTopics,
    logger: logger.child({ component: 'lifecycle-consumer' }),
    fromBeginning: true,
    partitionsConsumedConcurrently: config.AUDIT_INGEST_PARTITIONS,
    handleBatch: async (delivered) => void (await recordEvents.execute({ delivered })),
    onPoison: (message, reason) => deadLetters.send(message, reason),
  });
  await consumer.start();
  lifecycle.add('lifecycle consumer', () => consumer.stop());

  const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const server = new GrpcServer(logger).add(
    AuditService.service,
    auditHandlers(logger, {
      list: new ListAuditEventsUseCase({ store: log }),
      get: new GetAuditEventUseCase({ store: log }),
      exportEvents: new ExportAuditEventsUseCase({ store: log }),
      verify: new VerifyAuditChainUseCase({ store: log }),
      ingestStatus: new GetIngestStatusUseCase({ lag, deadLetters }),
    }),
    'tenantatlas.audit.v1.AuditService',
  );
  await serveGrpc(server, config, lifecycle);
});
