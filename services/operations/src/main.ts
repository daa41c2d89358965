import { loadConfig, registerErrorTranslator, retentionWindow } from '@tenantatlas/core';
import { GrpcServer, GrpcTenantDirectory } from '@tenantatlas/grpc';
import { topicName } from '@tenantatlas/kafka';
import { ensureIndexes, infrastructureUnavailable } from '@tenantatlas/store';
import { connectInfrastructure, runService, serveGrpc } from '@tenantatlas/runtime';
import { connectionsClient, GrpcConnectionDirectory } from './adapters/grpc/connections.client';
import { operationsDefinition, operationsHandlers } from './adapters/grpc/operations.server';
import {
  ConnectionCheckExecutor,
  InventorySyncExecutor,
  PermissionsRefreshExecutor,
  PolicySyncExecutor,
} from './adapters/grpc/provider-executors';
import { runRequestConsumer } from './adapters/kafka/run-request-consumer';
import { MongoRunRepository } from './adapters/mongo/run.repository';
import { runModels } from './adapters/mongo/run.schema';
import { CancelRunUseCase } from './app/cancel-run.use-case';
import { ExecuteRunUseCase } from './app/execute-run.use-case';
import { GetRunUseCase } from './app/get-run.use-case';
import { ListRunsUseCase } from './app/list-runs.use-case';
import { RunMetrics } from './app/metrics';
import { buildRegistry } from './app/registry';
import { RerunRunUseCase } from './app/rerun-run.use-case';
import { RetryFailedRunsUseCase } from './app/retry-failed-runs.use-case';
import { RunRetention } from './app/run-retention';
import { RunAdmission, StartRunUseCase } from './app/start-run.use-case';
import { SweepRunsUseCase } from './app/sweep-runs.use-case';
import { configSchema } from './config';

runService('operations', async ({ logger, lifecycle }) => {
  registerErrorTranslator(infrastructureUnavailable);
  const config = loadConfig(configSchema);
  const infra = await connectInfrastructure('operations', config, logger, lifecycle, (t) => [t.operationsEvents, t.runRequests]);
  const models = runModels(infra.mongo);
  await ensureIndexes(Object.values(models));
  // Events of this process's writes go out at once, read by _id; leftovers of a replica that died
  // before publishing are found by the start pass of the next process. Runs and transitions get
  // their events only in the insert that creates them. A race publishes an event twice at worst
  // (consumers dedupe by id).
  const relay = infra.startOutboxRelay({ models: [models.runs, models.transitions] });
  const runs = new MongoRunRepository(models, infra.topics, relay);

  const connections = connectionsClient(config.CONNECTIONS_GRPC_ADDR, config.CONNECTIONS_TIMEOUT_MS);
  lifecycle.add('connections client', () => connections.close());
  const registry = buildRegistry(
    {
      'provider.connection.check': new ConnectionCheckExecutor(connections),
      'permissions.refresh': new PermissionsRefreshExecutor(connections),
      'inventory.sync': new InventorySyncExecutor(connections),
      'policy.sync': new PolicySyncExecutor(),
    },
    { diagnostics: config.DIAGNOSTIC_RUN_TYPES },
  );
  const metrics = new RunMetrics();

  if (config.OPERATIONS_ROLE !== 'api') {
    const worker = new ExecuteRunUseCase({
      runs,
      registry,
      metrics,
      logger,
      options: { workerId: config.WORKER_ID, leaseMs: config.LEASE_MS, concurrency: config.WORKER_CONCURRENCY },
    });
    const sweeper = new SweepRunsUseCase({
      runs,
      metrics,
      logger,
      options: { intervalMs: config.SWEEP_INTERVAL_MS, redispatchAfterMs: config.REDISPATCH_AFTER_MS },
    });
    const consumer = runRequestConsumer({
      kafka: infra.kafka,
      topic: infra.topics.runRequests,
      groupId: topicName(config.KAFKA_TOPIC_PREFIX, 'operations-workers'),
      worker,
      logger,
    });
    sweeper.start();
    await consumer.start();
    // Stop order (reverse of this): no new requests, let attempts in progress record their result,
    // stop sweeping; then the relay flushes what they wrote.
    lifecycle.add('sweeper', () => sweeper.stop());
    lifecycle.add('worker', () => worker.drain(config.SHUTDOWN_TIMEOUT_MS / 2));
    lifecycle.add('run request consumer', () => (worker.stopTaking(), consumer.stop()));
    logger.info({ workerId: config.WORKER_ID, concurrency: config.WORKER_CONCURRENCY, leaseMs: config.LEASE_MS }, 'workers started');
  }

  const server = new GrpcServer(logger);
  if (config.OPERATIONS_ROLE !== 'worker') {
    const tenants = new GrpcTenantDirectory(config.ONBOARDING_GRPC_ADDR, config.ADMISSION_TIMEOUT_MS);
    lifecycle.add('onboarding client', () => tenants.close());
    // one connections client per peer: the workers' provider calls and the start's subject look-up share it
    const admission = new RunAdmission(tenants, new GrpcConnectionDirectory(connections, config.ADMISSION_TIMEOUT_MS), config.ADMISSION_CACHE_MS);
    const retention = new RunRetention({ archive: runs, windowDays: retentionWindow(config), logger });
    const startRun = new StartRunUseCase({ runs, runTypes: registry.policies(), admission, redispatchAfterMs: config.REDISPATCH_AFTER_MS, retention });
    const getRun = new GetRunUseCase({ runs });
    server.add(
      operationsDefinition(),
      operationsHandlers(logger, {
        startRun,
        getRun,
        listRuns: new ListRunsUseCase({ runs }),
        cancelRun: new CancelRunUseCase({ runs, getRun, metrics }),
        rerunRun: new RerunRunUseCase({ getRun, startRun }),
        retryFailedRuns: new RetryFailedRunsUseCase({ runs, startRun, admission }),
        registry,
      }),
      'tenantatlas.operations.v1.OperationsService',
    );
  }
  await serveGrpc(server, config, lifecycle);
});
