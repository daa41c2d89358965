/**
 * Audit ingest, against the audit service as a real process: publishes BENCH_EVENTS lifecycle
 * events (default 5,000 × BENCH_SCALE) over the four lifecycle topics and BENCH_WORKSPACES
 * workspaces (default 10) and times until every one is recorded (ingest rate). Then a second
 * process with a new consumer group replays the same topics from the beginning (every event a
 * duplicate), and finally a first page, a full NDJSON export and a chain verification of one
 * workspace are timed.
 */
import { insecureCredentials, loadProto, promiseClient } from '@tenantatlas/grpc';
import { createEvent, ensureTopics, EventPublisher, LIFECYCLE_TOPICS, topicName, type OutgoingEvent } from '@tenantatlas/kafka';
import { connectMongo } from '@tenantatlas/store';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/audit';
import type { AuditServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import { startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { Kafka, logLevel } from 'kafkajs';
import { deleteTopics, dropDatabases } from './cleanup';
import { scaled, timed } from '../timing';

const TYPES = ['onboarding.draft.step_changed', 'connections.connection.verified', 'operations.run.succeeded', 'gateway.access.denied'] as const;

function lifecycleEvents(topics: string[], count: number, workspaces: number): OutgoingEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const kind = n % TYPES.length;
    const workspaceId = `bench-ws-${n % workspaces}`;
    return {
      topic: topics[kind]!,
      event: createEvent({
        type: `tenantatlas.${TYPES[kind]!}` as const,
        source: 'audit-bench',
        subject: `thing/${n}`,
        workspaceId,
        tenantId: `${workspaceId}-tenant-${n % 7}`,
        actor: n % 2 ? { kind: 'user', userId: `user-${n % 13}` } : { kind: 'system', component: 'operations-worker' },
        data: { outcome: 'succeeded', before: { status: 'pending' }, after: { status: 'done' }, n },
      }),
    };
  });
}

function auditClient(service: ServiceProcess) {
  const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const raw = new AuditService(service.address, insecureCredentials()) as unknown as AuditServiceClient;
  return { raw, client: promiseClient(raw, 120_000) };
}

async function caughtUp(service: ServiceProcess): Promise<void> {
  const { raw, client } = auditClient(service);
  await waitFor(async () => Number((await client.GetIngestStatus({})).total_lag) === 0, { timeoutMs: 900_000, intervalMs: 200, what: 'audit to handle every event' });
  raw.close();
}

const rate = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(0)} events/s`;

/** The queries an auditor makes of one workspace: a first page, a full NDJSON export, a chain verification. */
async function readWorkspace(service: ServiceProcess, workspace: string): Promise<void> {
  const { raw, client } = auditClient(service);
  const page = await timed(() => client.ListAuditEvents({ workspace_id: workspace, page: { page_size: 50 } }));
  const exported = await timed(async () => {
    let bytes = 0;
    for await (const chunk of raw.ExportAuditEvents({ workspace_id: workspace, format: 'EXPORT_FORMAT_NDJSON' }) as AsyncIterable<{ data: Buffer }>) bytes += chunk.data.length;
    return bytes;
  });
  const verified = await timed(() => client.VerifyAuditChain({ workspace_id: workspace }));
  console.log(`list first page (50) of ${workspace}: ${page.ms.toFixed(0)} ms`);
  console.log(`export NDJSON of ${workspace}: ${verified.value.records_checked} records, ${exported.value} bytes in ${exported.ms.toFixed(0)} ms`);
  console.log(`verify chain of ${workspace}: ${verified.value.records_checked} records, ok=${verified.value.ok} in ${verified.ms.toFixed(0)} ms`);
  raw.close();
}

export async function auditIngest(scale: number): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? scaled(5_000, scale));
  const workspaces = Number(process.env.BENCH_WORKSPACES ?? 10);
  const infra = testInfra();
  const prefix = uniqueName('audit-bench');
  const dbName = uniqueName('audit_bench');
  const topics = LIFECYCLE_TOPICS.map((topic) => topicName(prefix, topic));
  const kafka = new Kafka({ clientId: 'audit-bench', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const env = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl, MONGO_DB: dbName, KAFKA_TOPIC_PREFIX: prefix, METRICS_PORT: 'off', LOG_LEVEL: 'warn' };
  const startAudit = (group: string) => startService('audit', { env: { ...env, AUDIT_CONSUMER_GROUP: group } });
  const services: ServiceProcess[] = [];
  const mongo = await connectMongo(infra.mongoUrl, dbName);
  const recorded = () => mongo.collection('audit_records').countDocuments({});
  try {
    await ensureTopics(kafka, [...topics, topicName(prefix, 'tenantatlas.audit.dead-letter.v1')]);
    const first = await startAudit('bench-first');
    services.push(first);
    const publisher = new EventPublisher(kafka);
    const batch = lifecycleEvents(topics, events, workspaces);
    const ingest = await timed(async () => {
      for (let i = 0; i < batch.length; i += 500) await publisher.publish(batch.slice(i, i + 500));
      await caughtUp(first);
    });
    await publisher.stop();
    const stored = await recorded();
    console.log(`ingest: ${stored} of ${events} events (${workspaces} workspaces) published and recorded in ${(ingest.ms / 1000).toFixed(2)} s = ${rate(stored, ingest.ms)}`);
    await first.stop();

    const replay = await timed(async () => {
      const service = await startAudit('bench-replay');
      services.push(service);
      await caughtUp(service);
      return service;
    });
    const added = (await recorded()) - stored;
    console.log(`replay by a new consumer group (all duplicates, incl. process start): ${events} events in ${(replay.ms / 1000).toFixed(2)} s = ${rate(events, replay.ms)}; records added: ${added}`);
    await readWorkspace(replay.value, 'bench-ws-0');
  } finally {
    for (const service of services) await service.stop();
    await mongo.close();
    await dropDatabases(infra.mongoUrl, [dbName]);
    await deleteTopics(infra.kafkaBrokers, `${prefix}.`);
  }
}
