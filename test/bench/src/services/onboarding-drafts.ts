/**
 * Onboarding's write paths, against the onboarding service as a real process: identify throughput
 * (a new tenant and its draft), versioned mutation latency on one draft, and contention (many
 * writers naming one expected version: exactly one may win each round).
 */
import { randomUUID } from 'node:crypto';
import { startService, testInfra, uniqueName } from '@tenantatlas/testing';
import { deleteTopics, dropDatabases } from './cleanup';
import { onboardingClient } from './clients';
import { callsPerSecond, closedLoop, latencyLine, scaled, timed } from '../timing';

type Client = ReturnType<typeof onboardingClient>;
const ACTOR = { user_id: 'bench', display_name: '', component: '' };
const WS = 'ws-bench';

const identify = (client: Client) => client.IdentifyTenant({ workspace_id: WS, actor: ACTOR, external_tenant_id: randomUUID(), name: 'Bench tenant' });
const setStep = (client: Client, draftId: string, version: number, n: number) =>
  client.SetCurrentStep({ workspace_id: WS, actor: ACTOR, draft_id: draftId, expected_version: version, step: n % 2 ? 'connect' : 'identify' });

async function identifyThroughput(client: Client, total: number, concurrency: number): Promise<void> {
  const loop = await closedLoop(total, concurrency, async () => void (await identify(client)));
  console.log(`IdentifyTenant (new tenant + draft): ${total} calls, concurrency ${concurrency}: ${callsPerSecond(loop).toFixed(0)}/s, ${latencyLine(loop.latencies)}`);
}

async function sequentialMutations(client: Client, count: number): Promise<void> {
  const { draft } = await identify(client);
  let version = draft!.version;
  const samples: number[] = [];
  for (let i = 0; i < count; i++) version = (await timed(() => setStep(client, draft!.id, version, i), samples)).value.draft!.version;
  console.log(`SetCurrentStep on one draft, ${count} in a row (revision ${version}): ${latencyLine(samples)}`);
}

async function contention(client: Client, writers: number, rounds: number): Promise<void> {
  const { draft } = await identify(client);
  let version = draft!.version;
  let applied = 0;
  let conflicts = 0;
  const durations: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const settled = (await timed(() => Promise.allSettled(Array.from({ length: writers }, (_, i) => setStep(client, draft!.id, version, i))), durations)).value;
    applied += settled.filter((s) => s.status === 'fulfilled').length;
    conflicts += settled.filter((s) => s.status === 'rejected' && (s.reason as { code?: string }).code === 'DRAFT.VERSION_CONFLICT').length;
    version++;
  }
  console.log(`${writers} writers × ${rounds} rounds with one expected version: ${applied} applied (expected ${rounds}), ${conflicts} conflicts; a round settles in ${latencyLine(durations, [50])}`);
}

export async function onboardingDrafts(scale: number): Promise<void> {
  const infra = testInfra();
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    MONGO_URL: infra.mongoUrl,
    MONGO_DB: uniqueName('onb-bench'),
    KAFKA_TOPIC_PREFIX: uniqueName('onb-bench'),
    LOG_LEVEL: 'warn',
    OPERATIONS_GRPC_ADDR: '127.0.0.1:1',
    CONNECTIONS_GRPC_ADDR: '127.0.0.1:1',
  };
  const service = await startService('onboarding', { env, timeoutMs: 60_000 });
  const client = onboardingClient(service.address);
  try {
    await identifyThroughput(client, scaled(100, scale), 10);
    await sequentialMutations(client, scaled(100, scale));
    await contention(client, 50, scaled(5, scale));
  } finally {
    client.close();
    await service.stop();
    await dropDatabases(infra.mongoUrl, [env.MONGO_DB]);
    await deleteTopics(infra.kafkaBrokers, `${env.KAFKA_TOPIC_PREFIX}.`);
  }
}

