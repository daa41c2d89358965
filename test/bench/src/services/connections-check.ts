/**
 * Connections, against the connections service as a real process with the provider simulator
 * embedded here and an onboarding process owning the tenants:
 *   - sealing + opening a credential (in this process: the one service module a bench imports),
 *   - CreateConnection latency (BENCH_CONNECTIONS, default 40 × BENCH_SCALE connections),
 *   - CheckConnection latency one at a time and throughput at BENCH_CONCURRENCY (default 8),
 *   - BENCH_CONTENDERS (default 10) concurrent SetDefault calls on one tenant, repeated 5 times.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startService, startTenantOwner, testInfra, uniqueName } from '@tenantatlas/testing';
import { startProviderSimulator } from '@tenantatlas/provider-simulator';
// No public entry seals a credential without a database round trip: the service's module, by its built path.
import { Keyring } from '../../../../services/connections/dist/domain/credential-envelope';
import { deleteTopics, dropDatabases } from './cleanup';
import { connectionsClient } from './clients';
import { callsPerSecond, closedLoop, latencyLine, scaled, timed } from '../timing';

const actor = { user_id: 'bench', display_name: '', component: '' };
const WS = 'ws-bench';

function sealAndOpen(rounds: number): void {
  const ring = new Keyring([{ id: 'bench', key: randomBytes(32) }], 'bench');
  const start = performance.now();
  for (let i = 0; i < rounds; i++) ring.open(ring.seal('a-client-secret-of-forty-characters-long', `c${i}`), `c${i}`);
  console.log(`seal+open: ${(((performance.now() - start) * 1000) / rounds).toFixed(1)} µs per credential (${rounds} rounds)`);
}

type Client = ReturnType<typeof connectionsClient>;

const newConnection = (client: Client, tenantId: string, name: string) =>
  client.CreateConnection({ workspace_id: WS, actor, tenant_id: tenantId, display_name: name, client_id: randomUUID(), target_tenant_id: randomUUID(), client_secret: 'bench-secret' });

async function checks(client: Client, tenants: string[], count: number, concurrency: number): Promise<void> {
  const creates: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await timed(() => newConnection(client, tenants[i % tenants.length]!, `bench ${i}`), creates)).value.connection!.id);
  console.log(`CreateConnection: ${latencyLine(creates)}`);
  const sequential: number[] = [];
  for (const id of ids) await timed(() => client.CheckConnection({ workspace_id: WS, connection_id: id, actor }), sequential);
  console.log(`CheckConnection one at a time (1 token + 5 Graph requests each): ${latencyLine(sequential)}`);
  const twice = [...ids, ...ids];
  const parallel = await closedLoop(twice.length, concurrency, async (n) => void (await client.CheckConnection({ workspace_id: WS, connection_id: twice[n]!, actor })));
  console.log(`CheckConnection at concurrency ${concurrency}: ${callsPerSecond(parallel).toFixed(1)} checks/s, ${latencyLine(parallel.latencies)}`);
}

async function defaultContention(client: Client, tenantId: string, contenders: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < contenders; i++) ids.push((await newConnection(client, tenantId, `contender ${i}`)).connection!.id);
  const rounds: number[] = [];
  let conflicts = 0;
  for (let round = 0; round < 5; round++) {
    await timed(() => Promise.all(ids.map((id) => client.SetDefaultConnection({ workspace_id: WS, actor, connection_id: id }).catch(() => void conflicts++))), rounds);
  }
  console.log(`${contenders} concurrent SetDefault on one tenant: ${latencyLine(rounds)} per round, ${conflicts} conflicts in 5 rounds`);
}

export async function connectionsCheck(scale: number): Promise<void> {
  sealAndOpen(scaled(20_000, scale));
  const infra = testInfra();
  const db = uniqueName('bench_connections');
  const prefix = uniqueName('bench');
  const simulator = await startProviderSimulator({ autoTenants: true });
  const shared = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl, MONGO_DB: db, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
  // a connection's tenant must exist in its workspace: onboarding owns the tenants
  const owner = await startTenantOwner(shared);
  const service = await startService('connections', {
    env: {
      ...shared,
      ONBOARDING_GRPC_ADDR: owner.address,
      CONNECTIONS_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      MICROSOFT_LOGIN_BASE_URL: simulator.url,
      MICROSOFT_GRAPH_BASE_URL: simulator.url,
    },
  }).catch(async (err: unknown) => {
    await Promise.all([owner.stop(), simulator.close()]);
    throw err;
  });
  const client = connectionsClient(service.address);
  try {
    const tenants = await Promise.all(Array.from({ length: 11 }, () => owner.create(WS)));
    await checks(client, tenants.slice(0, 10), Number(process.env.BENCH_CONNECTIONS ?? scaled(40, scale)), Number(process.env.BENCH_CONCURRENCY ?? 8));
    await defaultContention(client, tenants[10]!, Number(process.env.BENCH_CONTENDERS ?? 10));
  } finally {
    client.close();
    await service.stop();
    await owner.stop();
    await simulator.close();
    await dropDatabases(infra.mongoUrl, [db, `${db}-onboarding`]);
    await deleteTopics(infra.kafkaBrokers, `${prefix}.`);
  }
}
