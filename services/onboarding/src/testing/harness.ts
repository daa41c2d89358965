/**
 * Integration fixtures: the onboarding service as a real process (from dist/) against the real
 * Kafka and FerretDB, optionally with real operations and connections processes and the provider
 * simulator behind them, plus a gRPC client and a log of the onboarding topic.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { insecureCredentials, loadProto, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import { parseEnvelope, topicsFor, type EventEnvelope } from '@tenantatlas/kafka';
import { freePort, isolatedServiceEnv, REPO_ROOT, ServiceReplicas, startService, testCredentialKeys, uniqueName, waitFor, type ServiceProcess, type ServiceReplica } from '@tenantatlas/testing';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/onboarding';
import type { OnboardingServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/OnboardingService';

export type OnboardingClient = PromiseClient<OnboardingServiceClient>;
export const OPERATOR = { user_id: 'operator-1', display_name: 'Operator One', component: '' };
export const OTHER_OPERATOR = { user_id: 'operator-2', display_name: 'Operator Two', component: '' };

export function isolatedEnv(name: string): Record<string, string> {
  return isolatedServiceEnv(`onb-${name}`);
}

export function onboardingClient(address: string): OnboardingClient {
  const { OnboardingService } = loadProto<ProtoGrpcType>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1;
  return promiseClient(new OnboardingService(address, insecureCredentials()), 30_000);
}

export { guid, rejection } from '@tenantatlas/testing';

/** Every event published on one topic, from the beginning. */
export class TopicLog {
  readonly events: EventEnvelope[] = [];
  private consumer: Consumer | undefined;

  constructor(private readonly brokers: string, private readonly topic: string) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'onboarding-itest', brokers: this.brokers.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: uniqueName('onboarding-itest-log') });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    // Delivery is at least once: keep each event id once, as every consumer does.
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseEnvelope(message.value);
        if (parsed.ok && !this.events.some((e) => e.id === parsed.event.id)) this.events.push(parsed.event);
      },
    });
    return this;
  }

  of(subject: string, type?: string): EventEnvelope[] {
    return this.events.filter((e) => e.subject === subject && (!type || e.type === `tenantatlas.onboarding.${type}`));
  }

  async waitFor(subject: string, type: string, count = 1): Promise<EventEnvelope[]> {
    return waitFor(() => (this.of(subject, type).length >= count ? this.of(subject, type) : undefined), {
      timeoutMs: 30_000,
      what: `${count} ${type} event(s) for ${subject}`,
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The provider simulator of the connections service, as its own process (its HTTP control API scripts it). */
export interface Simulator {
  url: string;
  setTenant(config: Record<string, unknown>): Promise<void>;
  addFault(tenantId: string, rule: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulator(): Promise<Simulator> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'tools/provider-simulator/dist/main.js')], {
    env: { ...process.env, SIMULATOR_PORT: String(port), SIMULATOR_AUTO_TENANTS: 'true' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(async () => (await fetch(`${url}/_sim/health`)).ok, { what: 'the provider simulator' });
  return {
    url,
    async setTenant(config) {
      const res = await fetch(`${url}/_sim/tenants/${String(config.tenantId)}`, { method: 'PUT', body: JSON.stringify(config) });
      if (!res.ok) throw new Error(`simulator refused the tenant: ${res.status}`);
    },
    async addFault(tenantId, rule) {
      const res = await fetch(`${url}/_sim/tenants/${tenantId}/faults`, { method: 'POST', body: JSON.stringify(rule) });
      if (!res.ok) throw new Error(`simulator refused the fault: ${res.status}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Stack {
  env: Record<string, string>;
  /** host:port of the downstream services (when started) */
  addresses: Record<string, string>;
  onboarding: ServiceProcess;
  client: OnboardingClient;
  log: TopicLog;
  simulator?: Simulator;
  downstream: ServiceProcess[];
  /** one more onboarding process on the same database, topics and peers (a replica, as the Helm chart runs two) */
  startReplica(): Promise<Replica>;
  stop(): Promise<void>;
}

export type Replica = ServiceReplica<OnboardingClient>;

/** The provider simulator, connections and operations (real processes) wired the way the dev stack wires them. */
async function startDownstream(env: Record<string, string>, onboardingAddress: string) {
  const simulator = await startSimulator();
  const connectionsPort = await freePort();
  const operationsPort = await freePort();
  const addresses = { CONNECTIONS_GRPC_ADDR: `127.0.0.1:${connectionsPort}`, OPERATIONS_GRPC_ADDR: `127.0.0.1:${operationsPort}` };
  const connections = await startService('connections', {
    port: connectionsPort,
    env: {
      ...env,
      MONGO_DB: `${env.MONGO_DB}-connections`,
      ONBOARDING_GRPC_ADDR: onboardingAddress,
      MICROSOFT_LOGIN_BASE_URL: simulator.url,
      MICROSOFT_GRAPH_BASE_URL: simulator.url,
      PROVIDER_HTTP_TIMEOUT_MS: '2000',
      CONNECTIONS_ENCRYPTION_KEYS: testCredentialKeys(),
    },
    timeoutMs: 60_000,
  });
  const operations = await startService('operations', {
    port: operationsPort,
    env: { ...env, MONGO_DB: `${env.MONGO_DB}-operations`, CONNECTIONS_GRPC_ADDR: addresses.CONNECTIONS_GRPC_ADDR, ONBOARDING_GRPC_ADDR: onboardingAddress, SWEEP_INTERVAL_MS: '250' },
    timeoutMs: 60_000,
  });
  return { simulator, addresses, services: [connections, operations] };
}

/** Starts onboarding; with `downstream` also the provider simulator, connections and operations. */
export async function startStack(name: string, options: { downstream?: boolean; onboardingEnv?: Record<string, string> } = {}): Promise<Stack> {
  const env = isolatedEnv(name);
  // connections and operations ask onboarding about tenants: its port is known before they start
  const onboardingPort = await freePort();
  const started = options.downstream ? await startDownstream(env, `127.0.0.1:${onboardingPort}`) : undefined;
  const { simulator, addresses = {}, services: downstream = [] } = started ?? {};
  // Without downstream services, point the clients at a port nobody listens on (never at a dev stack).
  const unreachable = { OPERATIONS_GRPC_ADDR: '127.0.0.1:1', CONNECTIONS_GRPC_ADDR: '127.0.0.1:1' };
  const onboardingEnv = { ...env, ...unreachable, ...addresses, ...options.onboardingEnv };
  const replicas = new ServiceReplicas('onboarding', { env: onboardingEnv, timeoutMs: 60_000 }, (service) => onboardingClient(service.address));
  const { service: onboarding, client } = await replicas.start(onboardingPort);
  const log = await new TopicLog(env.KAFKA_BROKERS!, topicsFor(env.KAFKA_TOPIC_PREFIX!).onboardingEvents).start();
  return {
    env,
    addresses,
    onboarding,
    client,
    log,
    simulator,
    downstream,
    startReplica: () => replicas.start(),
    async stop() {
      await replicas.stop();
      await log.stop();
      for (const service of downstream.reverse()) await service.stop();
      await simulator?.stop();
    },
  };
}
