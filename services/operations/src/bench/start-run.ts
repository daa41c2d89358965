/**
 * StartRun throughput, dedupe under concurrency and start → completed-event latency against a real
 * operations process (KAFKA_BROKERS / MONGO_URL), with the onboarding process it asks about every
 * start's tenant. Bounded work; prints numbers; exits 0. ADMISSION_CACHE_MS passes through (0:
 * every start asks onboarding). STARTS and START_CONCURRENCY size the throughput section (200, 20).
 *   node dist/bench/start-run.js   (or `npm run bench -- operations`)
 */
import { connectMongo, insecureCredentials, loadProto, promiseClient, type PromiseClient } from '@tenantatlas/shared';
import { percentile, RunCompletions, startService, startTenantOwner, uniqueName } from '@tenantatlas/shared/testing';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/operations';
import type { OperationsServiceClient } from '@tenantatlas/shared/proto/tenantatlas/operations/v1/OperationsService';

type Client = PromiseClient<OperationsServiceClient>;
const ACTOR = { user_id: 'bench' };
const WS = 'ws-bench';

const ms = (n: number) => `${n.toFixed(1)} ms`;
/** tenants of WS (created in onboarding); runs of one tenant are told apart by their subject */
let tenants: string[] = [];
const tenantOf = (i: number) => tenants[i % tenants.length]!;

async function throughput(client: Client, total: number, concurrency: number): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(i), subject: `tp-${i}`, type: 'diagnostics.noop' });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - begun) / 1000;
  console.log(`StartRun (new runs): ${total} calls, concurrency ${concurrency}: ${(total / seconds).toFixed(0)} starts/s, p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, p99 ${ms(percentile(latencies, 99))}`);
}

async function dedupe(client: Client, callers: number): Promise<void> {
  const begun = performance.now();
  const responses = await Promise.all(
    Array.from({ length: callers }, () => client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(0), subject: 'dedupe', type: 'diagnostics.scripted', context: { script: 'sleep:3000+ok' } })),
  );
  const elapsed = performance.now() - begun;
  const ids = new Set(responses.map((r) => r.run?.id));
  const created = responses.filter((r) => !r.deduplicated).length;
  console.log(`StartRun dedupe: ${callers} concurrent calls for one key in ${ms(elapsed)}: ${ids.size} run(s), ${created} created, ${callers - created} deduplicated`);
}

async function startToCompleted(client: Client, completions: RunCompletions, subject: string): Promise<number> {
  const t = performance.now();
  const { run } = await client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(tenants.length - 1), subject, type: 'diagnostics.noop' });
  await completions.completed(run!.id);
  return performance.now() - t;
}

async function endToEnd(client: Client, completions: RunCompletions, runs: number): Promise<void> {
  const latencies = await Promise.all(Array.from({ length: runs }, (_, i) => startToCompleted(client, completions, `e2e-${i}`)));
  console.log(`start → completed event (noop, ${runs} runs at once): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))}`);
}

async function sequential(client: Client, completions: RunCompletions, runs: number): Promise<void> {
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) latencies.push(await startToCompleted(client, completions, `seq-${i}`));
  console.log(`start → completed event (noop, ${runs} runs one after another): p50 ${ms(percentile(latencies, 50))}, max ${ms(Math.max(...latencies))}`);
}

async function main(): Promise<void> {
  const { KAFKA_BROKERS, MONGO_URL } = process.env;
  if (!KAFKA_BROKERS || !MONGO_URL) throw new Error('set KAFKA_BROKERS and MONGO_URL');
  const shared = { KAFKA_BROKERS, MONGO_URL, MONGO_DB: uniqueName('ops-bench'), KAFKA_TOPIC_PREFIX: uniqueName('ops-bench'), LOG_LEVEL: 'warn' };
  const owner = await startTenantOwner(shared);
  tenants = await Promise.all(Array.from({ length: 20 }, () => owner.create(WS)));
  const cache: Record<string, string> = process.env.ADMISSION_CACHE_MS ? { ADMISSION_CACHE_MS: process.env.ADMISSION_CACHE_MS } : {};
  const env: Record<string, string> = { ...shared, ...cache, DIAGNOSTIC_RUN_TYPES: 'true', ONBOARDING_GRPC_ADDR: owner.address };
  const service = await startService('operations', { env, timeoutMs: 60_000 });
  const { OperationsService } = loadProto<ProtoGrpcType>('tenantatlas/operations/v1/operations.proto').tenantatlas.operations.v1;
  const client = promiseClient(new OperationsService(service.address, insecureCredentials()), 60_000);
  const completions = new RunCompletions(KAFKA_BROKERS.split(','), shared.KAFKA_TOPIC_PREFIX);
  try {
    await completions.start();
    // warm-up: the worker's consumer group has joined once one run went through
    await startToCompleted(client, completions, 'warm-up');
    const only = process.env.BENCH_ONLY;
    if (!only || only === 'e2e') {
      await sequential(client, completions, 5);
      await endToEnd(client, completions, 20);
    }
    if (!only || only === 'throughput') await throughput(client, Number(process.env.STARTS ?? 200), Number(process.env.START_CONCURRENCY ?? 20));
    if (!only || only === 'dedupe') await dedupe(client, 200);
  } finally {
    await completions.stop();
    client.close();
    await service.stop();
    await owner.stop();
    for (const db of [shared.MONGO_DB, `${shared.MONGO_DB}-onboarding`]) {
      const mongo = await connectMongo(MONGO_URL, db);
      await mongo.dropDatabase();
      await mongo.close();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
