/**
 * The whole system as real processes for the browser tests: the provider simulator, the four
 * backend services and the gateway, on free ports, against the shared Kafka and FerretDB, with
 * their own databases and topic prefix.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, REPO_ROOT, startService, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/shared/testing';

export interface Stack {
  gatewayUrl: string;
  admin: { email: string; password: string };
  services: ServiceProcess[];
  stop(): Promise<void>;
}

async function startSimulator(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'services/connections/dist/simulator/main.js')], {
    env: { ...process.env, SIMULATOR_PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => fetch(`${url}/`).then(() => true, () => false), { what: 'the provider simulator' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { url, stop: async () => (child.kill('SIGTERM'), await exited) };
}

export async function startStack(): Promise<Stack> {
  const run = uniqueName('ui');
  const common = { KAFKA_TOPIC_PREFIX: `${run}.`, LOG_LEVEL: 'info' };
  const db = (service: string) => ({ MONGO_DB: `${run}_${service}`.replace(/-/g, '_') });
  const ports = { onboarding: await freePort(), connections: await freePort(), operations: await freePort(), audit: await freePort() };
  const addr = (port: number) => `127.0.0.1:${port}`;
  const downstream = {
    ONBOARDING_GRPC_ADDR: addr(ports.onboarding),
    CONNECTIONS_GRPC_ADDR: addr(ports.connections),
    OPERATIONS_GRPC_ADDR: addr(ports.operations),
    AUDIT_GRPC_ADDR: addr(ports.audit),
  };
  const simulator = await startSimulator();
  const services: ServiceProcess[] = [];
  try {
    services.push(
      ...(await Promise.all([
        startService('connections', {
          port: ports.connections,
          env: { ...common, ...db('connections'), MICROSOFT_LOGIN_BASE_URL: simulator.url, MICROSOFT_GRAPH_BASE_URL: simulator.url },
        }),
        startService('operations', { port: ports.operations, env: { ...common, ...db('operations'), ...downstream, SWEEP_INTERVAL_MS: '500' } }),
        startService('onboarding', { port: ports.onboarding, env: { ...common, ...db('onboarding'), ...downstream } }),
        startService('audit', { port: ports.audit, env: { ...common, ...db('audit') } }),
      ])),
    );
    const admin = { email: 'admin@example.test', password: 'admin-password-1' };
    const gateway = await startService('gateway', {
      portVariable: 'HTTP_PORT',
      readiness: { httpPath: '/readyz' },
      env: { ...common, ...db('gateway'), ...downstream, GATEWAY_SEED_ADMIN_EMAIL: admin.email, GATEWAY_SEED_ADMIN_PASSWORD: admin.password },
    });
    services.push(gateway);
    return {
      gatewayUrl: `http://${gateway.address}`,
      admin,
      services,
      async stop() {
        await Promise.all(services.map((s) => s.stop()));
        await simulator.stop();
      },
    };
  } catch (err) {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await simulator.stop();
    throw err;
  }
}
