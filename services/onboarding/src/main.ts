import { connectInfrastructure, GrpcServer, loadConfig, runService, serveGrpc } from '@tenantatlas/shared';
import { configSchema } from './config';

runService('onboarding', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  await connectInfrastructure('onboarding', config, logger, lifecycle, (t) => [t.onboardingEvents, t.operationsEvents, t.connectionsEvents]);
  const server = new GrpcServer(logger);
  await serveGrpc(server, config, lifecycle);
});
