import http from 'node:http';
import express from 'express';
import { connectInfrastructure, loadConfig, pingMongo, runService } from '@tenantatlas/shared';
import { configSchema } from './config';

runService('gateway', async ({ logger, lifecycle }) => {
  const config = loadConfig(configSchema);
  const infra = await connectInfrastructure('gateway', config, logger, lifecycle, (t) => [t.securityEvents]);
  const admin = infra.kafka.admin();
  await admin.connect();
  lifecycle.add('kafka admin', () => admin.disconnect());

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready only when both the database and the broker answer a real request.
  app.get('/readyz', async (_req, res) => {
    const [database, kafka] = await Promise.all([
      pingMongo(infra.mongo),
      admin.describeCluster().then(() => true, () => false),
    ]);
    res.status(database && kafka ? 200 : 503).json({ database: database ? 'ok' : 'down', kafka: kafka ? 'ok' : 'down' });
  });

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.HTTP_PORT, resolve));
  lifecycle.add('http server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  logger.info({ url: `http://127.0.0.1:${config.HTTP_PORT}` }, 'gateway listening');
});
