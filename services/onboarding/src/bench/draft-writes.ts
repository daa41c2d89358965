/**
 * Onboarding write paths against a real onboarding process (KAFKA_BROKERS / MONGO_URL): identify
 * throughput, versioned mutation latency, and contention (many writers, one version). Bounded
 * work; prints numbers; exits 0.
 *   node dist/bench/draft-writes.js   (or `npm run bench -- onboarding`)
 */
import { randomUUID } from 'node:crypto';
import { connectMongo } from '@tenantatlas/shared';
import { startService, uniqueName } from '@tenantatlas/shared/testing';
import { onboardingClient, type OnboardingClient } from '../testing/harness';

const ACTOR = { user_id: 'bench', display_name: '', component: '' };
const WS = 'ws-bench';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function identifyThroughput(client: OnboardingClient, total: number, concurrency: number): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        await client.IdentifyTenant({ workspace_id: WS, actor: ACTOR, external_tenant_id: randomUUID(), name: 'Bench tenant' });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - begun) / 1000;
  console.log(`IdentifyTenant (new tenant + draft): ${total} calls, concurrency ${concurrency}: ${(total / seconds).toFixed(0)}/s, p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}`);
}

async function sequentialMutations(client: OnboardingClient, count: number): Promise<void> {
  const { draft } = await client.IdentifyTenant({ workspace_id: WS, actor: ACTOR, external_tenant_id: randomUUID(), name: 'Bench tenant' });
  let version = draft!.version;
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const res = await client.SetCurrentStep({ workspace_id: WS, actor: ACTOR, draft_id: draft!.id, expected_version: version, step: i % 2 ? 'connect' : 'identify' });
    latencies.push(performance.now() - t);
    version = res.draft!.version;
  }
  console.log(`SetCurrentStep on one draft, ${count} in a row (revision ${version}): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}`);
}

async function contention(client: OnboardingClient, writers: number, rounds: number): Promise<void> {
  const { draft } = await client.IdentifyTenant({ workspace_id: WS, actor: ACTOR, external_tenant_id: randomUUID(), name: 'Bench tenant' });
  let version = draft!.version;
  let applied = 0;
  let conflicts = 0;
  const durations: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const t = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: writers }, (_, i) => client.SetCurrentStep({ workspace_id: WS, actor: ACTOR, draft_id: draft!.id, expected_version: version, step: i % 2 ? 'connect' : 'identify' })),
    );
    durations.push(performance.now() - t);
    applied += settled.filter((s) => s.status === 'fulfilled').length;
    conflicts += settled.filter((s) => s.status === 'rejected' && (s.reason as { code?: string }).code === 'DRAFT.VERSION_CONFLICT').length;
    version++;
  }
  console.log(`${writers} writers × ${rounds} rounds with one expected version: ${applied} applied (expected ${rounds}), ${conflicts} conflicts; a round settles in p50 ${ms(percentile(durations, 50))}, max ${ms(Math.max(...durations))}`);
}

async function main(): Promise<void> {
  const { KAFKA_BROKERS, MONGO_URL } = process.env;
  if (!KAFKA_BROKERS || !MONGO_URL) throw new Error('set KAFKA_BROKERS and MONGO_URL');
  const env = {
    KAFKA_BROKERS,
    MONGO_URL,
    MONGO_DB: uniqueName('onb-bench'),
    KAFKA_TOPIC_PREFIX: uniqueName('onb-bench'),
    LOG_LEVEL: 'warn',
    OPERATIONS_GRPC_ADDR: '127.0.0.1:1',
    CONNECTIONS_GRPC_ADDR: '127.0.0.1:1',
  };
  const service = await startService('onboarding', { env, timeoutMs: 60_000 });
  const client = onboardingClient(service.address);
  try {
    await identifyThroughput(client, 100, 10);
    await sequentialMutations(client, 100);
    await contention(client, 50, 5);
  } finally {
    client.close();
    await service.stop();
    const mongo = await connectMongo(MONGO_URL, env.MONGO_DB);
    await mongo.dropDatabase();
    await mongo.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
