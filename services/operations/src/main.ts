import { connectInfrastructure, GrpcServer, loadConfig, runService, serveGrpc } from '@tenantatlas/shared';
import { configSchema } from './config';

runService('operations', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  await connectInfrastructure('operations', config, logger, lifecycle, (t) => [t.operationsEvents, t.runRequests]);
  const server = new GrpcServer(logger);
  await serveGrpc(server, config, lifecycle);
});
