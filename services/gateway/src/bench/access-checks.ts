/**
 * Gateway request-path benchmark. With the gateway running as a real process (no backend
 * services), times BENCH_REQUESTS (default 2,000) requests at BENCH_CONCURRENCY (default 20) for:
 * an allowed workspace read (session → membership → workspace), a non-member's 404 (plus the denial
 * event on Kafka), a readonly member's 403 and a schema-invalid 400; then BENCH_SIGN_INS (default
 * 30) sign-ins (scrypt). Reads KAFKA_BROKERS and MONGO_URL; removes its database and topics; exits 0.
 */
import { connectMongo } from '@tenantatlas/shared';
import { startService, testInfra, uniqueName } from '@tenantatlas/shared/testing';
import { Kafka, logLevel } from 'kafkajs';
import { GatewayClient } from '../testing/gateway-client';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 30);
const ADMIN = { email: 'bench-admin@example.test', password: 'bench-password-1' };

const infra = testInfra();
const prefix = `${uniqueName('gateway-bench')}.`;
const dbName = uniqueName('gateway_bench');

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(name: string, expectStatus: number, call: () => Promise<{ status: number }>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  let unexpected = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const t0 = performance.now();
        const res = await call();
        latencies.push(performance.now() - t0);
        if (res.status !== expectStatus) unexpected++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} ${String(Math.round(latencies.length / seconds)).padStart(6)} req/s  p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms${unexpected ? `  (${unexpected} unexpected statuses!)` : ''}`,
  );
}

async function main(): Promise<void> {
  const gateway = await startService('gateway', {
    portVariable: 'HTTP_PORT',
    readiness: { httpPath: '/readyz' },
    env: {
      MONGO_DB: dbName,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email,
      GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_PER_MINUTE: String(REQUESTS * 10),
      SIGN_IN_RATE_LIMIT_PER_MINUTE: String(SIGN_INS * 10),
    },
  });
  const base = `http://${gateway.address}`;
  try {
    const admin = await new GatewayClient(base).login(ADMIN.email, ADMIN.password);
    const workspaceId = (await admin.get('/api/me')).json.workspaces[0].id as string;
    const readonly = await admin.addMember(workspaceId, { email: 'bench-ro@example.test', role: 'readonly' }, 'bench-readonly-1');
    const other = (await admin.post('/api/workspaces', { name: 'bench other' })).json.id as string;
    const outsider = await admin.addMember(other, { email: 'bench-out@example.test', role: 'owner' }, 'bench-outsider-1');
    const ws = `/api/workspaces/${workspaceId}`;

    console.log(`gateway access checks: ${REQUESTS} requests each, ${CONCURRENCY} concurrent`);
    await measure('allowed: GET workspace (200)', 200, () => admin.get(ws));
    await measure('non-member: GET workspace (404)', 404, () => outsider.get(ws));
    await measure('no capability: POST runs (403)', 403, () => readonly.post(`${ws}/runs`, {}));
    await measure('invalid body: POST runs (400)', 400, () => admin.post(`${ws}/runs`, { type: 'x' }));

    const t0 = performance.now();
    for (let i = 0; i < SIGN_INS; i++) await new GatewayClient(base).login(ADMIN.email, ADMIN.password);
    console.log(`sign-in (scrypt N=16384), sequential  ${((performance.now() - t0) / SIGN_INS).toFixed(1)} ms each over ${SIGN_INS}`);
  } finally {
    await gateway.stop();
    const mongo = await connectMongo(infra.mongoUrl, dbName);
    await mongo.dropDatabase();
    await mongo.close();
    const admin = new Kafka({ clientId: 'gateway-bench', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
