import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { serveMetrics, type BaseConfig, type MetricsEndpoint } from '@tenantatlas/core';
import type { GrpcServer } from '@tenantatlas/grpc';
import { createKafka, ensureTopics, EventPublisher, topicsFor, type Topics } from '@tenantatlas/kafka';
import { connectMongo, OutboxRelay, type OutboxRelayOptions } from '@tenantatlas/store';
import { ConsumerGroups, observeConsumerLag, observeOutboxBacklog } from './backlog-metrics';
import type { ServiceLifecycle } from './lifecycle';

export interface Infrastructure {
  mongo: Connection;
  kafka: Kafka;
  topics: Topics;
  publisher: EventPublisher;
  /** the Prometheus endpoint (METRICS_PORT), when it could be started */
  metrics?: MetricsEndpoint;
  /**
   * Starts the relay of these models' outboxes on the producer above. Registered after the
   * producer, it stops first and flushes what it can while Kafka is still open.
   */
  startOutboxRelay(options: Omit<OutboxRelayOptions, 'publisher' | 'logger'>): OutboxRelay;
}

/**
 * Connects the stores every backend service needs and registers their shutdown. Topics the
 * service touches are created before any consumer subscribes to them. Also starts the service's
 * Prometheus endpoint (METRICS_PORT, see metrics.ts) with the outbox backlog and consumer lag gauges.
 */
export async function connectInfrastructure(
  service: string,
  config: BaseConfig,
  logger: Logger,
  lifecycle: ServiceLifecycle,
  usesTopics: (topics: Topics) => string[],
): Promise<Infrastructure> {
  // First in, last out: the endpoint still answers scrapes while the rest shuts down.
  const metrics = await serveMetrics(service, logger);
  if (metrics) lifecycle.add('metrics endpoint', () => metrics.stop());
  const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB ?? `tenantatlas_${service}`, { logger });
  lifecycle.add('mongo', () => mongo.close());
  const kafka = createKafka({ clientId: service, brokers: config.KAFKA_BROKERS, logger });
  const consumerGroups = new ConsumerGroups();
  consumerGroups.watch(kafka);
  observeOutboxBacklog();
  const lag = observeConsumerLag(kafka, consumerGroups, logger);
  lifecycle.add('consumer lag admin', () => lag.stop());
  const topics = topicsFor(config.KAFKA_TOPIC_PREFIX);
  await ensureTopics(kafka, usesTopics(topics));
  const publisher = new EventPublisher(kafka);
  lifecycle.add('kafka producer', () => publisher.stop());
  const startOutboxRelay = (options: Omit<OutboxRelayOptions, 'publisher' | 'logger'>) => {
    const relay = new OutboxRelay({ ...options, publisher, logger });
    relay.start();
    lifecycle.add('outbox relay', () => relay.stop());
    return relay;
  };
  return { mongo, kafka, topics, publisher, metrics, startOutboxRelay };
}

/** Starts the gRPC server last and stops it first, so no call arrives while stores are closing. */
export async function serveGrpc(server: GrpcServer, config: BaseConfig, lifecycle: ServiceLifecycle): Promise<number> {
  const port = await server.start(config.GRPC_PORT);
  lifecycle.add('grpc server', () => server.stop(config.SHUTDOWN_TIMEOUT_MS));
  return port;
}
