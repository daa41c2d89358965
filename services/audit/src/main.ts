import {
  connectInfrastructure,
  ensureIndexes,
  GrpcServer,
  LIFECYCLE_TOPICS,
  loadConfig,
  loadProto,
  runService,
  serveGrpc,
  topicName,
} from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/audit';
import { auditHandlers } from './adapters/grpc/audit.grpc';
import { KafkaConsumerLag } from './adapters/kafka/consumer-lag';
import { DeadLetterTopic } from './adapters/kafka/dead-letter-topic';
import { lifecycleConsumer } from './adapters/kafka/lifecycle-consumer';
import { MongoAuditLog } from './adapters/mongo/audit-log.repository';
import { auditModels } from './adapters/mongo/audit-record.schema';
import { AppendRecord } from './app/append-record.use-case';
import { ExportAuditEvents } from './app/export-audit-events.use-case';
import { GetIngestStatus } from './app/get-ingest-status.use-case';
import { GetAuditEvent, ListAuditEvents } from './app/list-audit-events.use-case';
import { RecordLifecycleEvent } from './app/record-lifecycle-event.use-case';
import { VerifyAuditChain } from './app/verify-audit-chain.use-case';
import { configSchema } from './config';

runService('audit', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  const lifecycleTopics = LIFECYCLE_TOPICS.map((topic) => topicName(config.KAFKA_TOPIC_PREFIX, topic));
  const infra = await connectInfrastructure('audit', config, logger, lifecycle, (t) => [...lifecycleTopics, t.auditDeadLetter]);
  const models = auditModels(infra.mongo);
  // The unique indexes are the append's guards: they must exist before the first record.
  await ensureIndexes([models.records, models.heads, models.deadLetters]);
  const log = new MongoAuditLog(models);

  const deadLetters = new DeadLetterTopic(infra.kafka, infra.topics.auditDeadLetter, models.deadLetters);
  await deadLetters.start();
  lifecycle.add('dead-letter producer', () => deadLetters.stop());

  const groupId = topicName(config.KAFKA_TOPIC_PREFIX, config.AUDIT_CONSUMER_GROUP);
  const lag = new KafkaConsumerLag(infra.kafka, groupId, lifecycleTopics);
  lifecycle.add('consumer lag reader', () => lag.stop());

  // Consumption starts before gRPC and stops after it: queries never outlive the store, and the
  // consumer is stopped before the dead-letter producer and MongoDB it writes to.
  const consumer = lifecycleConsumer({
    kafka: infra.kafka,
    groupId,
    topics: lifecycleTopics,
    logger,
    recordEvent: new RecordLifecycleEvent(new AppendRecord(log), deadLetters),
    deadLetters,
    partitionsConcurrently: config.AUDIT_INGEST_PARTITIONS,
  });
  await consumer.start();
  lifecycle.add('lifecycle consumer', () => consumer.stop());

  const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const server = new GrpcServer(logger).add(
    AuditService.service,
    auditHandlers(logger, {
      list: new ListAuditEvents(log),
      get: new GetAuditEvent(log),
      exportEvents: new ExportAuditEvents(log),
      verify: new VerifyAuditChain(log),
      ingestStatus: new GetIngestStatus(lag, deadLetters),
    }),
    'tenantatlas.audit.v1.AuditService',
  );
  await serveGrpc(server, config, lifecycle);
});
