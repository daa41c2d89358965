/**
 * An audit process under test: its own database and topic prefix, a gRPC client, a publisher for
 * lifecycle events and direct access to its collections (to tamper with them like an attacker).
 */
import * as grpc from '@grpc/grpc-js';
import { type Actor } from '@tenantatlas/core';
import { loadProto, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import {
  createEvent,
  ensureTopics,
  EventPublisher,
  LIFECYCLE_TOPICS,
  topicName,
  topicsFor,
  type EventEnvelope,
  type EventType,
} from '@tenantatlas/kafka';
import { connectMongo } from '@tenantatlas/store';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/audit';
import type { AuditServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import type { ExportAuditEventsRequest } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/ExportAuditEventsRequest';
import { startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Connection } from 'mongoose';

export type AuditClient = PromiseClient<AuditServiceClient>;

export class AuditFixture {
  readonly infra = testInfra();
  readonly prefix = uniqueName('audit-itest');
  readonly dbName = uniqueName('audit_itest');
  readonly topics = topicsFor(this.prefix);
  readonly lifecycleTopics = LIFECYCLE_TOPICS.map((topic) => topicName(this.prefix, topic));
  readonly kafka = new Kafka({ clientId: 'audit-itest', brokers: this.infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  readonly publisher = new EventPublisher(this.kafka);
  service: ServiceProcess | undefined;
  /** the environment the running service was started with */
  env: Record<string, string> = {};
  raw: AuditServiceClient | undefined;
  client!: AuditClient;
  mongo!: Connection;

  async start(env: Record<string, string> = {}): Promise<void> {
    await ensureTopics(this.kafka, [...this.lifecycleTopics, this.topics.auditDeadLetter]);
    this.mongo ??= await connectMongo(this.infra.mongoUrl, this.dbName);
    await this.startService(env);
  }

  /** (Re)starts the audit process against the same database and topics. */
  async startService(env: Record<string, string> = {}): Promise<void> {
    this.env = this.serviceEnv(env);
    this.service = await startService('audit', { env: this.env });
    const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
    this.raw = new AuditService(this.service.address, grpc.credentials.createInsecure()) as unknown as AuditServiceClient;
    this.client = promiseClient(this.raw);
  }

  /** The environment of an audit process on this fixture's database and topics. */
  serviceEnv(env: Record<string, string> = {}): Record<string, string> {
    return {
      AUDIT_CONSUMER_GROUP: 'tenantatlas.audit',
      KAFKA_BROKERS: this.infra.kafkaBrokers.join(','),
      MONGO_URL: this.infra.mongoUrl,
      MONGO_DB: this.dbName,
      KAFKA_TOPIC_PREFIX: this.prefix,
      METRICS_PORT: 'off',
      ...env,
    };
  }

  /** Members of the running service's consumer group once it is stable. */
  async stableGroupMembers(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([topicName(this.prefix, this.env.AUDIT_CONSUMER_GROUP!)]);
      return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
    } finally {
      await admin.disconnect();
    }
  }

  async stopService(): Promise<void> {
    this.raw?.close();
    await this.service?.stop();
    this.service = undefined;
  }

  async stop(): Promise<void> {
    await this.stopService();
    await this.publisher.stop();
    await this.mongo?.close();
  }

  get records() {
    return this.mongo.collection('audit_records');
  }

  get heads() {
    return this.mongo.collection('audit_chain_heads');
  }

  get segments() {
    return this.mongo.collection('audit_segments');
  }

  /** Records stored for a workspace, counted by walking its chain through the API. */
  async recordCount(workspaceId: string): Promise<number> {
    return Number((await this.client.VerifyAuditChain({ workspace_id: workspaceId })).records_checked);
  }

  /** Until audit has committed everything on its topics (so nothing is still on its way). */
  async waitUntilCaughtUp(what = 'audit to catch up'): Promise<void> {
    await waitFor(async () => Number((await this.client.GetIngestStatus({})).total_lag) === 0, { what, timeoutMs: 60_000 });
  }

  async waitForCount(workspaceId: string, count: number): Promise<void> {
    await waitFor(async () => (await this.recordCount(workspaceId)) >= count, {
      what: `${count} records in ${workspaceId}`,
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    await this.waitUntilCaughtUp();
  }

  /** Everything an export stream sends, as one text. */
  async exportText(request: ExportAuditEventsRequest): Promise<{ text: string; contentType: string; fileName: string }> {
    const stream = this.raw!.ExportAuditEvents(request);
    const parts: Buffer[] = [];
    let contentType = '';
    let fileName = '';
    for await (const chunk of stream as AsyncIterable<{ data: Buffer; content_type: string; file_name: string }>) {
      parts.push(chunk.data);
      contentType ||= chunk.content_type;
      fileName ||= chunk.file_name;
    }
    return { text: Buffer.concat(parts).toString('utf8'), contentType, fileName };
  }
}

export interface EventSpec {
  type: string;
  subject: string;
  workspaceId: string;
  tenantId?: string | null;
  actor?: Actor;
  data?: Record<string, unknown>;
  time?: Date;
  traceparent?: string;
}

export function lifecycleEvent(spec: EventSpec): EventEnvelope {
  const event = createEvent({
    // audit must also cope with types outside the catalog (an older or foreign producer)
    type: spec.type as EventType,
    source: spec.type.split('.')[1] ?? 'test',
    subject: spec.subject,
    workspaceId: spec.workspaceId,
    tenantId: spec.tenantId ?? null,
    actor: spec.actor ?? { kind: 'user', userId: 'user-1' },
    data: spec.data ?? {},
    time: spec.time,
  });
  return spec.traceparent ? { ...event, traceparent: spec.traceparent } : event;
}
