import { randomUUID } from 'node:crypto';
import { loadConfig, registerErrorTranslator } from '@tenantatlas/core';
import { GrpcServer } from '@tenantatlas/grpc';
import { EventConsumer, topicName } from '@tenantatlas/kafka';
import { ensureIndexes, idempotent, ProcessedEvents, infrastructureUnavailable } from '@tenantatlas/store';
import { connectInfrastructure, runService, serveGrpc } from '@tenantatlas/runtime';
import { ONBOARDING_SERVICE_NAME, onboardingDefinition, onboardingHandlers } from './adapters/grpc/onboarding.server';
import { GrpcConnections } from './adapters/grpc/connections.client';
import { OnboardingMetrics } from './adapters/grpc/metrics';
import { GrpcOperations } from './adapters/grpc/operations.client';
import { evidenceHandler } from './adapters/kafka/evidence.consumer';
import { MongoDraftRepository } from './adapters/mongo/draft.repository';
import { onboardingModels, outboxModels } from './adapters/mongo/schemas';
import { MongoTenantRepository } from './adapters/mongo/tenant.repository';
import type { OnboardingDeps } from './app/ports';
import { configSchema } from './config';

runService('onboarding', async ({ logger, lifecycle }) => {
  registerErrorTranslator(infrastructureUnavailable);
  const config = loadConfig(configSchema);
  const infra = await connectInfrastructure('onboarding', config, logger, lifecycle, (t) => [
    t.onboardingEvents,
    t.operationsEvents,
    t.connectionsEvents,
  ]);
  const models = onboardingModels(infra.mongo);
  // Uniqueness rules (one tenant per external id, one open draft per tenant, one revision per
  // number) exist before any write.
  await ensureIndexes(Object.values(models));

  // Heads and revisions get their events only in the insert that creates them.
  const relay = infra.startOutboxRelay({ models: outboxModels(models) });

  const operations = new GrpcOperations(config.OPERATIONS_GRPC_ADDR, config.DOWNSTREAM_TIMEOUT_MS);
  const connections = new GrpcConnections(config.CONNECTIONS_GRPC_ADDR, config.DOWNSTREAM_TIMEOUT_MS);
  lifecycle.add('downstream clients', () => (operations.close(), connections.close()));

  const deps: OnboardingDeps = {
    drafts: new MongoDraftRepository(models, infra.topics.onboardingEvents, relay),
    tenants: new MongoTenantRepository(models, infra.topics.onboardingEvents, relay),
    operations,
    connections,
    clock: { now: () => new Date() },
    ids: randomUUID,
    verificationRunType: config.VERIFICATION_RUN_TYPE,
  };

  const consumer = new EventConsumer({
    kafka: infra.kafka,
    groupId: topicName(config.KAFKA_TOPIC_PREFIX, config.ONBOARDING_CONSUMER_GROUP),
    topics: [infra.topics.operationsEvents, infra.topics.connectionsEvents],
    logger,
    handle: idempotent(new ProcessedEvents(infra.mongo, 'onboarding-evidence'), evidenceHandler(deps, logger)),
  });
  await consumer.start();
  // Stops before the relay and the stores: no evidence is half-written while they close.
  lifecycle.add('evidence consumer', () => consumer.stop());

  const server = new GrpcServer(logger).add(onboardingDefinition(), onboardingHandlers(deps, logger, new OnboardingMetrics()), ONBOARDING_SERVICE_NAME);
  await serveGrpc(server, config, lifecycle);
});
