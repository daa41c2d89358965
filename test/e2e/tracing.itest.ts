/**
 * Observability across real processes: services started with OTLP pointed at an in-test receiver
 * export one trace that crosses gRPC and Kafka, the audit record carries its trace id, and each
 * service's Prometheus endpoint shows the RPC histogram, the outbox backlog and the consumer lag.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto, promiseClient, topicsFor, type PromiseClient } from '@tenantatlas/shared';
import type { ProtoGrpcType as AuditProto } from '@tenantatlas/shared/proto/audit';
import type { ProtoGrpcType as ConnectionsProto } from '@tenantatlas/shared/proto/connections';
import type { AuditServiceClient } from '@tenantatlas/shared/proto/tenantatlas/audit/v1/AuditService';
import type { ConnectionsServiceClient } from '@tenantatlas/shared/proto/tenantatlas/connections/v1/ConnectionsService';
import { freePort, startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/shared/testing';
import { OtlpReceiver, SPAN_KIND, type ReceivedSpan } from './otlp-receiver';

const WORKSPACE = 'ws-observability';
const ACTOR = { user_id: 'user-1', display_name: 'Operator One', component: '' };

/** A W3C traceparent as the gateway's HTTP instrumentation would send it: the test is the root. */
function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

function withTrace(traceparent: string): { metadata: grpc.Metadata } {
  const metadata = new grpc.Metadata();
  metadata.set('traceparent', traceparent);
  return { metadata };
}

/** the URL an HTTP client span called (stable or older semantic conventions) */
const urlOf = (span: ReceivedSpan) => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of the first sample of `metric` whose labels include all of `labels`. */
function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) return Number(value);
  }
  return undefined;
}

describe('observability across service processes', () => {
  /** Waits until the trace holds what `complete` wants; on timeout says what did arrive. */
  async function traceWhen(traceId: string, complete: (trace: ReceivedSpan[]) => boolean, what: string): Promise<ReceivedSpan[]> {
    try {
      return await waitFor(() => (complete(receiver.trace(traceId)) ? receiver.trace(traceId) : undefined), { timeoutMs: 60_000, what });
    } catch (err) {
      const seen = receiver.trace(traceId).map((s) => `${s.service}:${s.kind}:${s.name}`);
      const sample = [...new Set(receiver.spans.map((s) => `${s.service}:${s.kind}:${s.name}`))];
      throw new Error(`${String(err)}\nspans of this trace: ${JSON.stringify(seen)}\nlast of ${receiver.spans.length} received: ${JSON.stringify(sample)}`);
    }
  }

  const infra = testInfra();
  const prefix = uniqueName('otel');
  const receiver = new OtlpReceiver();
  const running: ServiceProcess[] = [];
  const metricsPort: Record<string, number> = {};
  /** nothing listens there: provider calls fail fast with a connection error */
  let providerUrl = '';
  let connections: PromiseClient<ConnectionsServiceClient>;
  let audit: PromiseClient<AuditServiceClient>;

  beforeAll(async () => {
    const otlp = await receiver.start();
    providerUrl = `http://127.0.0.1:${await freePort()}`;
    const env = async (name: string) => {
      metricsPort[name] = await freePort();
      return {
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        MONGO_URL: infra.mongoUrl,
        MONGO_DB: uniqueName(`otel_${name}`),
        KAFKA_TOPIC_PREFIX: prefix,
        METRICS_PORT: String(metricsPort[name]),
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
    };
    const connectionsEnv = {
      ...(await env('connections')),
      CONNECTIONS_ENCRYPTION_KEYS: `otel-k1:${randomBytes(32).toString('base64')}`,
      MICROSOFT_LOGIN_BASE_URL: providerUrl,
      MICROSOFT_GRAPH_BASE_URL: providerUrl,
      PROVIDER_HTTP_TIMEOUT_MS: '1000',
    };
    const auditEnv = await env('audit');
    running.push(...(await Promise.all([startService('connections', { env: connectionsEnv }), startService('audit', { env: auditEnv })])));
    const [connectionsProcess, auditProcess] = running;
    const c = loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
    connections = promiseClient(new c.ConnectionsService(connectionsProcess!.address, grpc.credentials.createInsecure()));
    const a = loadProto<AuditProto>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
    audit = promiseClient(new a.AuditService(auditProcess!.address, grpc.credentials.createInsecure()));
  });

  afterAll(async () => {
    connections?.close();
    audit?.close();
    await Promise.all(running.map((service) => service.stop()));
    await receiver.stop();
  });

  const createConnection = (traceparent: string, fields: Record<string, unknown> = {}) =>
    connections.CreateConnection(
      {
        workspace_id: WORKSPACE,
        actor: ACTOR,
        tenant_id: `tenant-${randomBytes(4).toString('hex')}`,
        display_name: 'Traced connection',
        client_id: randomUUID(),
        target_tenant_id: randomUUID(),
        ...fields,
      },
      withTrace(traceparent),
    );

  it('exports one trace that spans connections and audit across gRPC and Kafka', async () => {
    const { traceId, traceparent } = newTraceparent();
    const { connection } = await createConnection(traceparent);

    const has = (trace: ReceivedSpan[], service: string, kind: number) => trace.some((s) => s.service === service && s.kind === kind);
    const spans = await traceWhen(
      traceId,
      (trace) => has(trace, 'connections', SPAN_KIND.server) && has(trace, 'connections', SPAN_KIND.producer) && has(trace, 'audit', SPAN_KIND.consumer),
      `spans of trace ${traceId} from connections and audit`,
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const server = spans.find((s) => s.service === 'connections' && s.kind === SPAN_KIND.server)!;
    expect(server.name).toContain('CreateConnection');
    // the Kafka hop: audit's consumer span is the child of connections' producer span
    const consumer = spans.find((s) => s.service === 'audit' && s.kind === SPAN_KIND.consumer)!;
    const producer = byId.get(consumer.parentSpanId) as ReceivedSpan;
    expect(producer).toMatchObject({ service: 'connections', kind: SPAN_KIND.producer });
    expect(String(producer.attributes['messaging.destination.name'])).toBe(topicsFor(prefix).connectionsEvents);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['connections', 'audit']));

    // the audit record keeps the trace id, so an auditor can open the trace of a change
    const record = await waitFor(
      async () => {
        const { events } = await audit.ListAuditEvents({ workspace_id: WORKSPACE, filter: { subject_type: 'connection', subject_id: connection!.id } });
        return events.find((e) => e.type === 'tenantatlas.connections.connection.created');
      },
      { timeoutMs: 30_000, what: 'the audit record of the created connection' },
    );
    expect(record.trace_id).toBe(traceId);
  });

  it('carries the trace into the provider call and into the log lines of the request', async () => {
    const { connection } = await createConnection(newTraceparent().traceparent, { client_secret: 'not-a-real-secret' });
    const { traceId, traceparent } = newTraceparent();
    // the provider is unreachable here: the check still answers (with a reason) and is logged
    await connections.CheckConnection({ workspace_id: WORKSPACE, connection_id: connection!.id, actor: ACTOR }, withTrace(traceparent));
    const spans = await traceWhen(
      traceId,
      (trace) => trace.some((s) => s.service === 'connections' && s.kind === SPAN_KIND.client && urlOf(s).startsWith(providerUrl)),
      'the provider call span',
    );
    expect(spans.find((s) => s.kind === SPAN_KIND.server)?.name).toContain('CheckConnection');
    const lines = running[0]!.output().split('\n').filter((line) => line.includes('"connection checked"'));
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.trace_id === traceId);
    expect(logged).toMatchObject({ connectionId: connection!.id, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(spans.map((s) => s.spanId)).toContain(logged!.span_id);
  });

  it('serves /metrics with the RPC histogram by method and status, the outbox backlog and the consumer lag', async () => {
    const { traceparent } = newTraceparent();
    await createConnection(traceparent);
    await expect(createConnection(traceparent, { client_id: 'not-a-guid' })).rejects.toMatchObject({ kind: 'invalid_argument' });

    const text = await scrape(metricsPort.connections!);
    const rpc = { rpc_service: 'tenantatlas.connections.v1.ConnectionsService', rpc_method: 'CreateConnection' };
    expect(text).toContain('# TYPE tenantatlas_rpc_server_duration_seconds histogram');
    expect(sample(text, 'tenantatlas_rpc_server_duration_seconds_count', { ...rpc, grpc_code: 'OK' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'tenantatlas_rpc_server_duration_seconds_count', { ...rpc, grpc_code: 'INVALID_ARGUMENT' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tenantatlas_rpc_server_duration_seconds_bucket', { ...rpc, grpc_code: 'OK', le: '+Inf' })).toBeGreaterThanOrEqual(2);

    // relayed and consumed: nothing waits in the outbox, audit's group has caught up
    const connectionsTopic = topicsFor(prefix).connectionsEvents;
    await waitFor(async () => sample(await scrape(metricsPort.connections!), 'tenantatlas_outbox_backlog', { collection: 'connections' }) === 0, {
      timeoutMs: 30_000,
      what: 'an empty outbox backlog',
    });
    await waitFor(async () => sample(await scrape(metricsPort.audit!), 'tenantatlas_kafka_consumer_lag', { topic: connectionsTopic }) === 0, {
      timeoutMs: 30_000,
      what: "audit's consumer lag on the connections topic to reach 0",
    });
  });
});
