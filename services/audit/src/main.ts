import { connectInfrastructure, GrpcServer, loadConfig, runService, serveGrpc } from '@tenantatlas/shared';
import { configSchema } from './config';

runService('audit', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  await connectInfrastructure('audit', config, logger, lifecycle, (t) => [t.onboardingEvents, t.connectionsEvents, t.operationsEvents, t.securityEvents, t.auditDeadLetter]);
  const server = new GrpcServer(logger);
  await serveGrpc(server, config, lifecycle);
});
