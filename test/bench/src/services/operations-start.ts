/**
 * StartRun against the operations service as a real process (with the onboarding process it asks
 * about every start's tenant): start → completed-event latency one at a time and many at once,
 * start throughput (BENCH_STARTS, default 200 × BENCH_SCALE, at BENCH_START_CONCURRENCY 20) and
 * dedupe under concurrency (200 × BENCH_SCALE callers, one key). ADMISSION_CACHE_MS passes
 * through (0: every start asks onboarding).
 */
import { RunCompletions, startService, startTenantOwner, testInfra, uniqueName } from '@tenantatlas/testing';
import { deleteTopics, dropDatabases } from './cleanup';
import { operationsClient } from './clients';
import { callsPerSecond, closedLoop, latencyLine, ms, scaled, timed } from '../timing';

type Client = ReturnType<typeof operationsClient>;
const ACTOR = { user_id: 'bench' };
const WS = 'ws-bench';

/** Where runs go: tenants of WS (made in onboarding); runs of one tenant are told apart by their subject. */
interface Target {
  client: Client;
  completions: RunCompletions;
  tenants: string[];
}
const tenantOf = (target: Target, i: number) => target.tenants[i % target.tenants.length]!;

async function throughput(target: Target, total: number, concurrency: number): Promise<void> {
  const loop = await closedLoop(total, concurrency, async (i) => {
    await target.client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(target, i), subject: `tp-${i}`, type: 'diagnostics.noop' });
  });
  console.log(`StartRun (new runs): ${total} calls, concurrency ${concurrency}: ${callsPerSecond(loop).toFixed(0)} starts/s, ${latencyLine(loop.latencies, [50, 95, 99])}`);
}

async function dedupe(target: Target, callers: number): Promise<void> {
  const start = () => target.client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(target, 0), subject: 'dedupe', type: 'diagnostics.scripted', context: { script: 'sleep:3000+ok' } });
  const { ms: elapsed, value: responses } = await timed(() => Promise.all(Array.from({ length: callers }, start)));
  const runs = new Set(responses.map((r) => r.run?.id));
  const created = responses.filter((r) => !r.deduplicated).length;
  console.log(`StartRun dedupe: ${callers} concurrent calls for one key in ${ms(elapsed)}: ${runs.size} run(s), ${created} created, ${callers - created} deduplicated`);
}

async function startToCompleted(target: Target, subject: string): Promise<number> {
  return (
    await timed(async () => {
      const { run } = await target.client.StartRun({ workspace_id: WS, actor: ACTOR, tenant_id: tenantOf(target, target.tenants.length - 1), subject, type: 'diagnostics.noop' });
      await target.completions.completed(run!.id);
    })
  ).ms;
}

async function completionLatency(target: Target, sequential: number, atOnce: number): Promise<void> {
  const oneByOne: number[] = [];
  for (let i = 0; i < sequential; i++) oneByOne.push(await startToCompleted(target, `seq-${i}`));
  console.log(`start → completed event (noop, ${sequential} runs one after another): ${latencyLine(oneByOne, [50])}`);
  const together = await Promise.all(Array.from({ length: atOnce }, (_, i) => startToCompleted(target, `e2e-${i}`)));
  console.log(`start → completed event (noop, ${atOnce} runs at once): ${latencyLine(together)}`);
}

export async function operationsStart(scale: number): Promise<void> {
  const infra = testInfra();
  const shared = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl, MONGO_DB: uniqueName('ops-bench'), KAFKA_TOPIC_PREFIX: uniqueName('ops-bench'), LOG_LEVEL: 'warn' };
  const owner = await startTenantOwner(shared);
  const cache: Record<string, string> = process.env.ADMISSION_CACHE_MS ? { ADMISSION_CACHE_MS: process.env.ADMISSION_CACHE_MS } : {};
  const service = await startService('operations', { env: { ...shared, ...cache, DIAGNOSTIC_RUN_TYPES: 'true', ONBOARDING_GRPC_ADDR: owner.address }, timeoutMs: 60_000 }).catch(async (err: unknown) => {
    await owner.stop();
    throw err;
  });
  const target: Target = { client: operationsClient(service.address), completions: new RunCompletions(infra.kafkaBrokers, shared.KAFKA_TOPIC_PREFIX), tenants: [] };
  try {
    target.tenants = await Promise.all(Array.from({ length: 20 }, () => owner.create(WS)));
    await target.completions.start();
    // warm-up: the worker's consumer group has joined once one run went through
    await startToCompleted(target, 'warm-up');
    await completionLatency(target, scaled(5, scale), scaled(20, scale));
    await throughput(target, Number(process.env.BENCH_STARTS ?? scaled(200, scale)), Number(process.env.BENCH_START_CONCURRENCY ?? 20));
    await dedupe(target, scaled(200, scale));
  } finally {
    await target.completions.stop();
    target.client.close();
    await service.stop();
    await owner.stop();
    await dropDatabases(infra.mongoUrl, [shared.MONGO_DB, `${shared.MONGO_DB}-onboarding`]);
    await deleteTopics(infra.kafkaBrokers, `${shared.KAFKA_TOPIC_PREFIX}.`);
  }
}
