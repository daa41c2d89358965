import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { Connection as MongoConnection } from 'mongoose';
import { loadProto, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import { parseEnvelope, topicsFor, type EventEnvelope } from '@tenantatlas/kafka';
import { connectMongo } from '@tenantatlas/store';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/connections';
import type { ConnectionsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import { ServiceReplicas, startTenantOwner, testCredentialKeys, testInfra, uniqueName, waitFor, type ServiceProcess, type ServiceReplica, type TenantOwner } from '@tenantatlas/testing';
import { startProviderSimulator, type ProviderSimulator } from '@tenantatlas/provider-simulator';

/**
 * One connections service process (from dist/) against the real Kafka and FerretDB, with its
 * Microsoft adapter pointed at an embedded provider simulator and an onboarding process that owns
 * the tenants connections are created for, plus what a test needs to look at: a gRPC client,
 * every raw Kafka message on the connections topic, and the service's database.
 */
export interface Harness {
  service: ServiceProcess;
  /** onboarding: `tenants.create(workspaceId)` makes a tenant a connection may be created for */
  tenants: TenantOwner;
  simulator: ProviderSimulator;
  client: PromiseClient<ConnectionsServiceClient>;
  mongo: MongoConnection;
  /** raw message values seen on the connections events topic */
  messages: string[];
  keyId: string;
  /** starts one more connections process on the same database, topics and peers (a replica) */
  startReplica(): Promise<Replica>;
  stop(): Promise<void>;
}

export type Replica = ServiceReplica<PromiseClient<ConnectionsServiceClient>>;

export const USER = { user_id: 'user-1', display_name: 'Operator One', component: '' };
export const WORKER = { user_id: '', display_name: '', component: 'operations-worker' };

export interface HarnessOptions {
  /**
   * reuse a database / topic prefix (e.g. to restart the service on the same data; pass the same
   * CONNECTIONS_ENCRYPTION_KEYS in env then, or the stored credentials no longer open)
   */
  db?: string;
  prefix?: string;
}

export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const infra = testInfra();
  const db = options.db ?? uniqueName('itest_connections');
  const prefix = options.prefix ?? uniqueName('itest');
  const keyId = env.CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID ?? env.CONNECTIONS_ENCRYPTION_KEYS?.split(':')[0] ?? 'itest-k1';
  const shared = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl, MONGO_DB: db, KAFKA_TOPIC_PREFIX: prefix };
  const tenants = await startTenantOwner(shared);
  const simulator = await startProviderSimulator();
  const serviceEnv = {
    ...shared,
    ONBOARDING_GRPC_ADDR: tenants.address,
    LOG_LEVEL: 'debug',
    CONNECTIONS_ENCRYPTION_KEYS: testCredentialKeys(keyId),
    MICROSOFT_LOGIN_BASE_URL: simulator.url,
    MICROSOFT_GRAPH_BASE_URL: simulator.url,
    PROVIDER_HTTP_TIMEOUT_MS: '1000',
    ...env,
  };
  const proto = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto');
  const clientOf = (process: ServiceProcess) => promiseClient(new proto.tenantatlas.connections.v1.ConnectionsService(process.address, grpc.credentials.createInsecure()));
  const replicas = new ServiceReplicas('connections', { env: serviceEnv }, clientOf);
  const { service, client } = await replicas.start().catch(async (err: unknown) => {
    await simulator.close();
    await tenants.stop();
    throw err;
  });
  const mongo = await connectMongo(infra.mongoUrl, db);

  const kafka = new Kafka({ clientId: 'connections-itest', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const messages: string[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('itest-connections') });
  await consumer.connect();
  await consumer.subscribe({ topic: topicsFor(prefix).connectionsEvents, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message.value?.toString() ?? '') });

  return {
    service,
    tenants,
    simulator,
    client,
    mongo,
    messages,
    keyId,
    startReplica: () => replicas.start(),
    async stop() {
      await replicas.stop();
      await consumer.disconnect();
      await tenants.stop();
      await mongo.close();
      await simulator.close();
    },
  };
}

/** The parsed events of one connection seen on Kafka so far. */
export function eventsOf(h: Harness, connectionId: string): EventEnvelope[] {
  return h.messages
    .map((m) => parseEnvelope(m))
    .flatMap((parsed) => (parsed.ok ? [parsed.event] : []))
    .filter((e) => e.subject === `connection/${connectionId}`);
}

export async function waitForEvent(h: Harness, connectionId: string, type: string, count = 1) {
  return waitFor(() => {
    const found = eventsOf(h, connectionId).filter((e) => e.type === `tenantatlas.connections.connection.${type}`);
    return found.length >= count ? found : undefined;
  }, { what: `${count} ${type} event(s) for ${connectionId}` });
}

export { guid, rejection } from '@tenantatlas/testing';
