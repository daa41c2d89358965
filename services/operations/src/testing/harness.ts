/** Fixtures for the operations integration tests: service processes, a client, an event log. */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { loadProto, promiseClient, insecureCredentials, type PromiseClient } from '@tenantatlas/grpc';
import { parseEnvelope, topicsFor, type EventEnvelope } from '@tenantatlas/kafka';
import { isolatedServiceEnv, startService, startTenantOwner, uniqueName, waitFor, type ServiceProcess, type TenantOwner } from '@tenantatlas/testing';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/operations';
import type { OperationsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/OperationsService';
import type { Run__Output } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/Run';

export type OperationsClient = PromiseClient<OperationsServiceClient>;
export const USER = { user_id: 'user-1', display_name: 'Ada' };

/** One isolated environment per test file: its own database and topic prefix, shared by its replicas. */
export function isolatedEnv(name: string, settings: Record<string, string> = {}): Record<string, string> {
  return isolatedServiceEnv(`ops-${name}`, { DIAGNOSTIC_RUN_TYPES: 'true', SWEEP_INTERVAL_MS: '250', ...settings });
}

export function startOperations(env: Record<string, string>): Promise<ServiceProcess> {
  return startService('operations', { env, timeoutMs: 60_000 });
}

/**
 * Onboarding for an environment: every start names a tenant operations asks onboarding about, so
 * tests create their tenants there (`owner.create(workspaceId)`). The returned env points
 * operations at it.
 */
export async function startTenants(env: Record<string, string>): Promise<{ owner: TenantOwner; env: Record<string, string> }> {
  const owner = await startTenantOwner(env);
  return { owner, env: { ...env, ONBOARDING_GRPC_ADDR: owner.address } };
}

export function operationsClient(address: string): OperationsClient {
  const { OperationsService } = loadProto<ProtoGrpcType>('tenantatlas/operations/v1/operations.proto').tenantatlas.operations.v1;
  return promiseClient(new OperationsService(address, insecureCredentials()), 30_000);
}

export async function waitForRun(
  client: OperationsClient,
  workspaceId: string,
  runId: string,
  done: (run: Run__Output) => boolean,
  timeoutMs = 60_000,
): Promise<Run__Output> {
  return waitFor(
    async () => {
      const { run } = await client.GetRun({ workspace_id: workspaceId, run_id: runId });
      return run && done(run) ? run : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `run ${runId}` },
  );
}

/** Everything published on the operations events topic of an environment, from the beginning. */
export class EventLog {
  readonly events: EventEnvelope[] = [];
  private consumer: Consumer | undefined;

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: 'ops-itest', brokers: (this.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
    const topic = topicsFor(this.env.KAFKA_TOPIC_PREFIX ?? '').operationsEvents;
    this.consumer = kafka.consumer({ groupId: uniqueName('ops-itest-reader') });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseEnvelope(message.value);
        if (parsed.ok) this.events.push(parsed.event);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** Lifecycle verbs of one run, in publication order (`queued`, `started`, ...), duplicates removed by event id. */
  verbs(runId: string): string[] {
    const seen = new Set<string>();
    return this.events
      .filter((e) => e.subject === `run/${runId}` && !seen.has(e.id) && seen.add(e.id))
      .map((e) => e.type.replace('tenantatlas.operations.run.', ''));
  }

  async waitForVerb(runId: string, verb: string, timeoutMs = 30_000): Promise<EventEnvelope> {
    return waitFor(() => this.events.find((e) => e.subject === `run/${runId}` && e.type === `tenantatlas.operations.run.${verb}`), {
      timeoutMs,
      what: `${verb} event of run ${runId}`,
    });
  }
}
