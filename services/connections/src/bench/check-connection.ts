/**
 * Connections benchmark: starts the provider simulator and the connections service as a real
 * process (against KAFKA_BROKERS / MONGO_URL), then measures
 *   - sealing + opening a credential (in process),
 *   - CreateConnection latency,
 *   - CheckConnection latency one at a time and throughput at BENCH_CONCURRENCY (default 8),
 *   - BENCH_CONTENDERS (default 10) concurrent SetDefault calls on one tenant, repeated 5 times.
 * BENCH_CONNECTIONS (default 40) sets the number of connections. Cleans up; exits 0.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { connectMongo, loadProto, promiseClient, topicsFor } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/connections';
import { startService, startTenantOwner, testInfra, uniqueName } from '@tenantatlas/shared/testing';
import { Keyring } from '../domain/credential-envelope';
import { startProviderSimulator } from '../simulator/server';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const CONTENDERS = Number(process.env.BENCH_CONTENDERS ?? 10);
const actor = { user_id: 'bench', display_name: '', component: '' };

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `n=${sorted.length} p50=${at(0.5)} ms p95=${at(0.95)} ms max=${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

async function timed<T>(fn: () => Promise<T>, into: number[]): Promise<T> {
  const start = performance.now();
  const result = await fn();
  into.push(performance.now() - start);
  return result;
}

function benchEnvelope(): void {
  const ring = new Keyring([{ id: 'bench', key: randomBytes(32) }], 'bench');
  const rounds = 20_000;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) ring.open(ring.seal('a-client-secret-of-forty-characters-long', `c${i}`), `c${i}`);
  console.log(`seal+open: ${(((performance.now() - start) * 1000) / rounds).toFixed(1)} µs per credential (${rounds} rounds)`);
}

async function main(): Promise<void> {
  benchEnvelope();
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
      ONBOARDING_GRPC_ADDR: owner.address, CONNECTIONS_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      MICROSOFT_LOGIN_BASE_URL: simulator.url, MICROSOFT_GRAPH_BASE_URL: simulator.url,
    },
  });
  const proto = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto');
  const client = promiseClient(new proto.tenantatlas.connections.v1.ConnectionsService(service.address, grpc.credentials.createInsecure()));
  try {
    const tenants = await Promise.all(Array.from({ length: 11 }, () => owner.create('ws-bench')));
    const creates: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const { connection } = await timed(() => client.CreateConnection({
        workspace_id: 'ws-bench', actor, tenant_id: tenants[i % 10]!, display_name: `bench ${i}`,
        client_id: randomUUID(), target_tenant_id: randomUUID(), client_secret: 'bench-secret',
      }), creates);
      ids.push(connection!.id);
    }
    console.log(`CreateConnection: ${stats(creates)}`);

    const sequential: number[] = [];
    for (const id of ids) await timed(() => client.CheckConnection({ workspace_id: 'ws-bench', connection_id: id, actor }), sequential);
    console.log(`CheckConnection one at a time (1 token + 5 Graph requests each): ${stats(sequential)}`);

    const queue = [...ids, ...ids];
    const parallel: number[] = [];
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) {
        await timed(() => client.CheckConnection({ workspace_id: 'ws-bench', connection_id: id!, actor }), parallel);
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    console.log(`CheckConnection at concurrency ${CONCURRENCY}: ${(parallel.length / seconds).toFixed(1)} checks/s, ${stats(parallel)}`);

    const contention: number[] = [];
    let conflicts = 0;
    const tenantIds: string[] = [];
    for (let i = 0; i < CONTENDERS; i++) {
      const { connection } = await client.CreateConnection({
        workspace_id: 'ws-bench', actor, tenant_id: tenants[10]!, display_name: `contender ${i}`,
        client_id: randomUUID(), target_tenant_id: randomUUID(), client_secret: 'bench-secret',
      });
      tenantIds.push(connection!.id);
    }
    for (let round = 0; round < 5; round++) {
      await timed(() => Promise.all(tenantIds.map((id) =>
        client.SetDefaultConnection({ workspace_id: 'ws-bench', actor, connection_id: id }).catch(() => void conflicts++),
      )), contention);
    }
    console.log(`${tenantIds.length} concurrent SetDefault on one tenant: ${stats(contention)} per round, ${conflicts} conflicts in 5 rounds`);
  } finally {
    client.close();
    await service.stop();
    await owner.stop();
    await simulator.close();
    for (const name of [db, `${db}-onboarding`]) {
      const mongo = await connectMongo(infra.mongoUrl, name);
      await mongo.dropDatabase();
      await mongo.close();
    }
    const admin = new Kafka({ clientId: 'bench-cleanup', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topicsFor(prefix).connectionsEvents, topicsFor(prefix).onboardingEvents] }).catch(() => undefined);
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
