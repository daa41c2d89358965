import { loadConfig, registerErrorTranslator } from '@tenantatlas/core';
import { GrpcServer, GrpcTenantDirectory, loadProto } from '@tenantatlas/grpc';
import { ensureIndexes, infrastructureUnavailable } from '@tenantatlas/store';
import { connectInfrastructure, runService, serveGrpc } from '@tenantatlas/runtime';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/connections';
import { MicrosoftGraphAdapter } from './adapters/http/microsoft-graph.adapter';
import { connectionsHandlers } from './adapters/grpc/connections.server';
import { connectionModels, outboxModels } from './adapters/mongo/connection.schema';
import { MongoConnectionRepository } from './adapters/mongo/connection.repository';
import type { ConnectionsContext } from './app/ports';
import { configSchema } from './config';
import type { ProviderAdapter } from './domain/provider';
import { keyringFrom } from './keyring';

runService('connections', async ({ logger, lifecycle }) => {
  registerErrorTranslator(infrastructureUnavailable);
  const config = loadConfig(configSchema);
  const keyring = keyringFrom(config);
  const { mongo, topics, startOutboxRelay } = await connectInfrastructure('connections', config, logger, lifecycle, (t) => [t.connectionsEvents]);
  const models = connectionModels(mongo);
  await ensureIndexes(Object.values(models));

  // Every document that carries events is written once, by its insert (versions, see docs/storage.md).
  const relay = startOutboxRelay({ models: outboxModels(models) });

  const microsoft = new MicrosoftGraphAdapter({
    loginBaseUrl: config.MICROSOFT_LOGIN_BASE_URL,
    graphBaseUrl: config.MICROSOFT_GRAPH_BASE_URL,
    scope: config.MICROSOFT_GRAPH_SCOPE,
    timeoutMs: config.PROVIDER_HTTP_TIMEOUT_MS,
  });
  const tenants = new GrpcTenantDirectory(config.ONBOARDING_GRPC_ADDR, config.ONBOARDING_TIMEOUT_MS);
  lifecycle.add('onboarding client', () => tenants.close());
  const ctx: ConnectionsContext = {
    repository: new MongoConnectionRepository(models, topics.connectionsEvents, relay),
    tenants,
    keyring,
    providers: new Map<string, ProviderAdapter>([[microsoft.provider, microsoft]]),
    required: {
      application: config.MICROSOFT_REQUIRED_APPLICATION_PERMISSIONS,
      recommendedApplication: config.MICROSOFT_RECOMMENDED_APPLICATION_PERMISSIONS,
      delegated: config.MICROSOFT_REQUIRED_DELEGATED_PERMISSIONS,
    },
    now: () => new Date(),
  };

  const proto = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto');
  const server = new GrpcServer(logger);
  server.add(proto.tenantatlas.connections.v1.ConnectionsService.service, connectionsHandlers(ctx, logger), 'tenantatlas.connections.v1.ConnectionsService');
  await serveGrpc(server, config, lifecycle);
  logger.info(
    { loginBaseUrl: config.MICROSOFT_LOGIN_BASE_URL, graphBaseUrl: config.MICROSOFT_GRAPH_BASE_URL, activeKeyId: keyring.activeKeyId },
    'connections ready',
  );
});
