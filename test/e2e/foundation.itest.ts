import { checkHealth } from '@tenantatlas/grpc';
import { startService, testCredentialKeys, uniqueName, type ServiceProcess } from '@tenantatlas/testing';

const GRPC_SERVICES = ['onboarding', 'connections', 'operations', 'audit'] as const;

describe('the five services as processes', () => {
  const env = { MONGO_DB: uniqueName('foundation'), KAFKA_TOPIC_PREFIX: `${uniqueName('foundation')}.` };
  const running: ServiceProcess[] = [];

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop('SIGKILL')));
  });

  it('start healthy against real Kafka and FerretDB, then exit 0 on SIGTERM', async () => {
    const services = await Promise.all([
      ...GRPC_SERVICES.map((name) => startService(name, { env: name === 'connections' ? { ...env, CONNECTIONS_ENCRYPTION_KEYS: testCredentialKeys() } : env })),
      startService('gateway', { env, portVariable: 'HTTP_PORT', readiness: { httpPath: '/readyz' } }),
    ]);
    running.push(...services);

    for (const service of services.slice(0, GRPC_SERVICES.length)) {
      expect(await checkHealth(service.address)).toBe('SERVING');
    }
    const gateway = services[GRPC_SERVICES.length]!;
    const ready = await fetch(`http://${gateway.address}/readyz`);
    expect(ready.status).toBe(200);

    const exitCodes = await Promise.all(services.map((service) => service.stop('SIGTERM')));
    expect(exitCodes).toEqual([0, 0, 0, 0, 0]);
  });

  it('refuses to start with a clear message when configuration is invalid', async () => {
    const bad = await startService('operations', {
      env: { ...env, KAFKA_BROKERS: 'not a broker list' },
      readiness: { none: true },
    });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('KAFKA_BROKERS');
    expect(bad.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
