import { connectInfrastructure, GrpcServer, loadConfig, runService, serveGrpc } from '@tenantatlas/shared';
import { configSchema } from './config';

runService('connections', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  await connectInfrastructure('connections', config, logger, lifecycle, (t) => [t.connectionsEvents]);
  const server = new GrpcServer(logger);
  await serveGrpc(server, config, lifecycle);
});
