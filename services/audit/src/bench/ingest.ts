/**
 * Audit ingest benchmark. With the audit service running as a real process, publishes N lifecycle
 * events (default 5,000, BENCH_EVENTS) spread over the four lifecycle topics and W workspaces
 * (default 10, BENCH_WORKSPACES) and times until every one is recorded (ingest rate). Then starts
 * a second process with a new consumer group that replays the same topics from the beginning
 * (every event a duplicate) and times that, and finally times a first page, a full NDJSON export
 * and a chain verification of one workspace. Reads KAFKA_BROKERS and MONGO_URL; removes its
 * database and topics; exits 0.
 */
import * as grpc from '@grpc/grpc-js';
import {
  connectMongo,
  createEvent,
  ensureTopics,
  EventPublisher,
  LIFECYCLE_TOPICS,
  loadProto,
  promiseClient,
  topicName,
  type OutgoingEvent,
} from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/audit';
import type { AuditServiceClient } from '@tenantatlas/shared/proto/tenantatlas/audit/v1/AuditService';
import { startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/shared/testing';
import { Kafka, logLevel } from 'kafkajs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10);
const TYPES = ['onboarding.draft.step_changed', 'connections.connection.verified', 'operations.run.succeeded', 'gateway.access.denied'] as const;

const infra = testInfra();
const prefix = uniqueName('audit-bench');
const dbName = uniqueName('audit_bench');
const topics = LIFECYCLE_TOPICS.map((topic) => topicName(prefix, topic));
const kafka = new Kafka({ clientId: 'audit-bench', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });

function events(): OutgoingEvent[] {
  return Array.from({ length: EVENTS }, (_, n) => {
    const kind = n % TYPES.length;
    const workspaceId = `bench-ws-${n % WORKSPACES}`;
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

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  const ms = performance.now() - start;
  return { ms, value };
}

function auditClient(service: ServiceProcess) {
  const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const raw = new AuditService(service.address, grpc.credentials.createInsecure()) as unknown as AuditServiceClient;
  return { raw, client: promiseClient(raw, 120_000) };
}

function startAudit(group: string): Promise<ServiceProcess> {
  return startService('audit', {
    env: {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      MONGO_URL: infra.mongoUrl,
      MONGO_DB: dbName,
      KAFKA_TOPIC_PREFIX: prefix,
      AUDIT_CONSUMER_GROUP: group,
      METRICS_PORT: 'off',
      LOG_LEVEL: 'warn',
    },
  });
}

async function caughtUp(service: ServiceProcess): Promise<void> {
  const { raw, client } = auditClient(service);
  await waitFor(async () => Number((await client.GetIngestStatus({})).total_lag) === 0, {
    timeoutMs: 900_000,
    intervalMs: 200,
    what: 'audit to handle every event',
  });
  raw.close();
}

const rate = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(0)} events/s`;

async function main(): Promise<void> {
  await ensureTopics(kafka, [...topics, topicName(prefix, 'tenantatlas.audit.dead-letter.v1')]);
  const mongo = await connectMongo(infra.mongoUrl, dbName);
  const first = await startAudit('bench-first');
  const publisher = new EventPublisher(kafka);
  const batch = events();
  const ingest = await timed(async () => {
    for (let i = 0; i < batch.length; i += 500) await publisher.publish(batch.slice(i, i + 500));
    await caughtUp(first);
  });
  await publisher.stop();
  const stored = await mongo.collection('audit_records').countDocuments({});
  console.log(`ingest: ${stored} of ${EVENTS} events (${WORKSPACES} workspaces) published and recorded in ${(ingest.ms / 1000).toFixed(2)} s = ${rate(stored, ingest.ms)}`);
  await first.stop();

  const replayed = await timed(async () => {
    const service = await startAudit('bench-replay');
    await caughtUp(service);
    return service;
  });
  const replay = { service: replayed.value };
  const added = (await mongo.collection('audit_records').countDocuments({})) - stored;
  console.log(`replay by a new consumer group (all duplicates, incl. process start): ${EVENTS} events in ${(replayed.ms / 1000).toFixed(2)} s = ${rate(EVENTS, replayed.ms)}; records added: ${added}`);

  const { raw, client } = auditClient(replay.service);
  const workspace = 'bench-ws-0';
  const page = await timed(() => client.ListAuditEvents({ workspace_id: workspace, page: { page_size: 50 } }));
  const exported = await timed(async () => {
    let bytes = 0;
    for await (const chunk of raw.ExportAuditEvents({ workspace_id: workspace, format: 'EXPORT_FORMAT_NDJSON' }) as AsyncIterable<{ data: Buffer }>) {
      bytes += chunk.data.length;
    }
    return bytes;
  });
  const verified = await timed(() => client.VerifyAuditChain({ workspace_id: workspace }));
  console.log(`list first page (50) of ${workspace}: ${page.ms.toFixed(0)} ms`);
  console.log(`export NDJSON of ${workspace}: ${verified.value.records_checked} records, ${exported.value} bytes in ${exported.ms.toFixed(0)} ms`);
  console.log(`verify chain of ${workspace}: ${verified.value.records_checked} records, ok=${verified.value.ok} in ${verified.ms.toFixed(0)} ms`);

  raw.close();
  await replay.service.stop();
  await mongo.dropDatabase().catch(() => undefined);
  await mongo.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...topics, topicName(prefix, 'tenantatlas.audit.dead-letter.v1')] }).catch(() => undefined);
  await admin.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
