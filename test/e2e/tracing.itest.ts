/**
 * Observability across real processes: services started with OTLP pointed at an in-test receiver
 * export one trace that crosses gRPC and Kafka, the audit record carries its trace id, and each
 * service's Prometheus endpoint shows the RPC histogram, the outbox backlog and the consumer lag.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import { topicsFor } from '@tenantatlas/kafka';
import type { ProtoGrpcType as AuditProto } from '@tenantatlas/grpc/proto/audit';
import type { ProtoGrpcType as ConnectionsProto } from '@tenantatlas/grpc/proto/connections';
import type { ProtoGrpcType as OnboardingProto } from '@tenantatlas/grpc/proto/onboarding';
import type { AuditServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import type { ConnectionsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import { freePort, startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { GatewaySession, newTraceparent, sample, scrape, urlOf, withTrace } from './observability-support';
import { OtlpReceiver, SPAN_KIND, type ReceivedSpan } from './otlp-receiver';

const WORKSPACE = 'ws-observability';
const ACTOR = { user_id: 'user-1', display_name: 'Operator One', component: '' };
const ADMIN = { email: 'admin@example.test', password: 'observability-pass-1' };
const GRPC_SERVICES = ['onboarding', 'connections', 'operations', 'audit'] as const;

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
  const processes: Record<string, ServiceProcess> = {};
  const metricsPort: Record<string, number> = {};
  /** nothing listens there: provider calls fail fast with a connection error */
  let providerUrl = '';
  let connections: PromiseClient<ConnectionsServiceClient>;
  let audit: PromiseClient<AuditServiceClient>;
  /** a tenant of WORKSPACE (onboarding's), for the connections created over gRPC */
  let tenantId = '';

  beforeAll(async () => {
    const otlp = await receiver.start();
    providerUrl = `http://127.0.0.1:${await freePort()}`;
    const grpcPort: Record<string, number> = {};
    for (const name of GRPC_SERVICES) grpcPort[name] = await freePort();
    for (const name of [...GRPC_SERVICES, 'gateway']) metricsPort[name] = await freePort();
    const env = (name: string): Record<string, string> => ({
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      MONGO_URL: infra.mongoUrl,
      MONGO_DB: uniqueName(`otel_${name}`),
      KAFKA_TOPIC_PREFIX: prefix,
      METRICS_PORT: String(metricsPort[name]),
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...Object.fromEntries(GRPC_SERVICES.map((peer) => [`${peer.toUpperCase()}_GRPC_ADDR`, `127.0.0.1:${grpcPort[peer]}`])),
    });
    const extra: Record<string, Record<string, string>> = {
      connections: {
        CONNECTIONS_ENCRYPTION_KEYS: `otel-k1:${randomBytes(32).toString('base64')}`,
        MICROSOFT_LOGIN_BASE_URL: providerUrl,
        MICROSOFT_GRAPH_BASE_URL: providerUrl,
        PROVIDER_HTTP_TIMEOUT_MS: '1000',
      },
      gateway: { GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email, GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password },
    };
    const started = await Promise.all([
      ...GRPC_SERVICES.map((name) => startService(name, { port: grpcPort[name], env: { ...env(name), ...extra[name] }, timeoutMs: 120_000 })),
      startService('gateway', { env: { ...env('gateway'), ...extra.gateway }, portVariable: 'HTTP_PORT', readiness: { httpPath: '/readyz' }, timeoutMs: 120_000 }),
    ]);
    for (const service of started) processes[service.name] = service;
    const c = loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
    connections = promiseClient(new c.ConnectionsService(processes.connections!.address, grpc.credentials.createInsecure()));
    const a = loadProto<AuditProto>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
    audit = promiseClient(new a.AuditService(processes.audit!.address, grpc.credentials.createInsecure()));
    const o = loadProto<OnboardingProto>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1;
    const onboarding = promiseClient(new o.OnboardingService(processes.onboarding!.address, grpc.credentials.createInsecure()));
    tenantId = (await onboarding.IdentifyTenant({ workspace_id: WORKSPACE, actor: ACTOR, external_tenant_id: randomUUID(), name: 'Observed' })).tenant!.id;
    onboarding.close();
  });

  /** A tenant of the signed-in user's workspace, made the way an operator makes one (draft → identify). */
  async function newTenant(gateway: GatewaySession, name: string): Promise<string> {
    const drafts = `/api/workspaces/${gateway.workspaceId}/drafts`;
    const { draft } = (await gateway.send('POST', drafts, {})).body as { draft: { id: string; version: number } };
    const identified = await gateway.send('POST', `${drafts}/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: randomUUID(), name });
    return (identified.body as { tenant: { id: string } }).tenant.id;
  }

  afterAll(async () => {
    connections?.close();
    audit?.close();
    await Promise.all(Object.values(processes).map((service) => service.stop()));
    await receiver.stop();
  });

  const createConnection = (traceparent: string, fields: Record<string, unknown> = {}) =>
    connections.CreateConnection(
      {
        workspace_id: WORKSPACE,
        actor: ACTOR,
        tenant_id: tenantId,
        display_name: 'Traced connection',
        client_id: randomUUID(),
        target_tenant_id: randomUUID(),
        ...fields,
      },
      withTrace(traceparent),
    );

  it('follows one verification from the gateway through operations, Kafka and the worker to connections, audit and onboarding', async () => {
    const gateway = await GatewaySession.login(`http://${processes.gateway!.address}`, ADMIN);
    const tenantId = await newTenant(gateway, 'Traced directly');
    const created = await gateway.send('POST', `/api/workspaces/${gateway.workspaceId}/connections`, {
      tenant_id: tenantId,
      display_name: 'Traced connection',
      client_id: randomUUID(),
      target_tenant_id: randomUUID(),
      client_secret: 'not-a-real-secret',
    });
    expect(created.status).toBe(201);
    const connectionId = (created.body as { connection: { id: string } }).connection.id;

    // The browser's request starts the trace; everything after it must stay inside.
    const { traceId, traceparent } = newTraceparent();
    const started = await gateway.send(
      'POST',
      `/api/workspaces/${gateway.workspaceId}/runs`,
      { tenant_id: tenantId, type: 'provider.connection.check', subject: connectionId },
      { traceparent },
    );
    expect(started.status).toBeLessThan(300);

    const runRequests = topicsFor(prefix).runRequests;
    const wanted: [string, number, (s: ReceivedSpan) => boolean][] = [
      ['gateway', SPAN_KIND.server, (s) => s.name.startsWith('POST')],
      ['operations', SPAN_KIND.server, (s) => s.name.endsWith('/StartRun')],
      ['operations', SPAN_KIND.producer, (s) => s.name.includes(runRequests)],
      ['operations', SPAN_KIND.consumer, (s) => s.name.includes(runRequests)],
      ['connections', SPAN_KIND.server, (s) => s.name.endsWith('/CheckConnection')],
      ['connections', SPAN_KIND.client, (s) => urlOf(s).startsWith(providerUrl)],
      ['audit', SPAN_KIND.consumer, () => true],
      ['onboarding', SPAN_KIND.consumer, () => true],
    ];
    const missing = (trace: ReceivedSpan[]) =>
      wanted.filter(([service, kind, match]) => !trace.some((s) => s.service === service && s.kind === kind && match(s)));
    const spans = await traceWhen(traceId, (trace) => missing(trace).length === 0, 'every hop of the verification in one trace');
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'onboarding', 'connections', 'operations', 'audit']));
    // the worker's consumer span hangs below the dispatch's producer span: the Kafka hop is one edge
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const workerSpan = spans.find((s) => s.service === 'operations' && s.kind === SPAN_KIND.consumer && s.name.includes(runRequests))!;
    expect(byId.get(workerSpan.parentSpanId)).toMatchObject({ service: 'operations', kind: SPAN_KIND.producer });

    // audit records the run's lifecycle with the same trace id
    const recorded = await waitFor(
      async () => {
        const { events } = await audit.ListAuditEvents({ workspace_id: gateway.workspaceId, filter: { trace_id: traceId } });
        return events.length > 0 ? events : undefined;
      },
      { timeoutMs: 30_000, what: 'audit records with the trace id' },
    );
    expect(recorded.map((e) => e.type)).toEqual(expect.arrayContaining([expect.stringMatching(/^tenantatlas\.operations\.run\./)]));
  });

  it("carries the wizard's verification from the UI request through gateway, onboarding, operations, the worker and connections to the provider call", async () => {
    const gateway = await GatewaySession.login(`http://${processes.gateway!.address}`, ADMIN);
    const drafts = `/api/workspaces/${gateway.workspaceId}/drafts`;
    const externalTenantId = randomUUID();
    type DraftReply = { draft: { id: string; version: number } };
    let { draft } = (await gateway.send('POST', drafts, {})).body as DraftReply;
    ({ draft } = (await gateway.send('POST', `${drafts}/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: externalTenantId, name: 'Traced tenant' })).body as DraftReply);
    ({ draft } = (await gateway.send('POST', `${drafts}/${draft.id}/connection`, {
      expected_version: draft.version,
      new_connection: { display_name: 'Traced', client_id: randomUUID(), target_tenant_id: externalTenantId, client_secret: 'not-a-real-secret' },
    })).body as DraftReply);
    // the operator's click: the browser's request starts the trace
    const { traceId, traceparent } = newTraceparent();
    const verification = await gateway.send('POST', `${drafts}/${draft.id}/verification`, { expected_version: draft.version }, { traceparent });
    expect(verification.status).toBe(200);

    const wanted: [string, number, (s: ReceivedSpan) => boolean][] = [
      ['gateway', SPAN_KIND.server, (s) => s.name.startsWith('POST')],
      ['onboarding', SPAN_KIND.server, (s) => s.name.endsWith('/StartVerification')],
      ['operations', SPAN_KIND.server, (s) => s.name.endsWith('/StartRun')],
      ['operations', SPAN_KIND.consumer, (s) => s.name.includes(topicsFor(prefix).runRequests)],
      ['connections', SPAN_KIND.server, (s) => s.name.endsWith('/CheckConnection')],
      ['connections', SPAN_KIND.client, (s) => urlOf(s).startsWith(providerUrl)],
      ['audit', SPAN_KIND.consumer, (s) => s.name.includes(topicsFor(prefix).operationsEvents)],
    ];
    const complete = (trace: ReceivedSpan[]) => wanted.every(([service, kind, match]) => trace.some((s) => s.service === service && s.kind === kind && match(s)));
    const spans = await traceWhen(traceId, complete, 'the wizard verification from the gateway to the provider call in one trace');
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'onboarding', 'connections', 'operations', 'audit']));
    // each hop is an edge: onboarding's server span below the gateway's client call, operations' below onboarding's
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const serverOf = (service: string, suffix: string) => spans.find((s) => s.service === service && s.kind === SPAN_KIND.server && s.name.endsWith(suffix))!;
    expect(byId.get(serverOf('onboarding', '/StartVerification').parentSpanId)).toMatchObject({ service: 'gateway', kind: SPAN_KIND.client });
    expect(byId.get(serverOf('operations', '/StartRun').parentSpanId)).toMatchObject({ service: 'onboarding', kind: SPAN_KIND.client });
  });

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
    // every consumer of the connections topic continues it (onboarding and the gateway's live feed too)
    expect([...new Set(spans.map((s) => s.service))]).toEqual(expect.arrayContaining(['connections', 'audit']));

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
      (trace) =>
        trace.some((s) => s.service === 'connections' && s.kind === SPAN_KIND.client && urlOf(s).startsWith(providerUrl)) &&
        trace.some((s) => s.kind === SPAN_KIND.server),
      'the provider call span and the CheckConnection span',
    );
    expect(spans.find((s) => s.kind === SPAN_KIND.server)?.name).toContain('CheckConnection');
    const lines = processes.connections!.output().split('\n').filter((line) => line.includes('"connection checked"'));
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.trace_id === traceId);
    expect(logged).toMatchObject({ connectionId: connection!.id, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(spans.map((s) => s.spanId)).toContain(logged!.span_id);
  });

  it('serves /metrics with the RPC histogram by method and status, the outbox backlog and the consumer lag', async () => {
    const rpc = { rpc_service: 'tenantatlas.connections.v1.ConnectionsService', rpc_method: 'CreateConnection' };
    const count = (text: string, code: string) => sample(text, 'tenantatlas_rpc_server_duration_seconds_count', { ...rpc, grpc_code: code }) ?? 0;
    const before = await scrape(metricsPort.connections!);
    const { traceparent } = newTraceparent();
    await createConnection(traceparent);
    await expect(createConnection(traceparent, { client_id: 'not-a-guid' })).rejects.toMatchObject({ kind: 'invalid_argument' });

    const text = await scrape(metricsPort.connections!);
    expect(text).toContain('# TYPE tenantatlas_rpc_server_duration_seconds histogram');
    expect(count(text, 'OK') - count(before, 'OK')).toBe(1);
    expect(count(text, 'INVALID_ARGUMENT') - count(before, 'INVALID_ARGUMENT')).toBe(1);
    expect(sample(text, 'tenantatlas_rpc_server_duration_seconds_bucket', { ...rpc, grpc_code: 'OK', le: '+Inf' })).toBe(count(text, 'OK'));

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

  it('counts runs started, deduplicated and completed on operations, and the gateway the requests that started them, after a known workload', async () => {
    const gateway = await GatewaySession.login(`http://${processes.gateway!.address}`, ADMIN);
    const runs = `/api/workspaces/${gateway.workspaceId}/runs`;
    const tenantId = await newTenant(gateway, 'Counted');
    const metric = async (name: string, labels: Record<string, string>) => sample(await scrape(metricsPort.operations!), name, labels) ?? 0;
    const check = { type: 'provider.connection.check' };
    const noop = { type: 'diagnostics.noop' };
    // the gateway times every request by its route template, never by its URL
    const startsAnswered = async () =>
      sample(await scrape(metricsPort.gateway!), 'tenantatlas_http_server_duration_seconds_count', {
        http_method: 'POST',
        http_route: '/api/workspaces/:workspaceId/runs',
        http_status_code: '200',
      }) ?? 0;
    const before = {
      started: await metric('tenantatlas_runs_started_total', { ...check, deduplicated: 'false' }),
      deduplicated: await metric('tenantatlas_runs_started_total', { ...check, deduplicated: 'true' }),
      noopSucceeded: await metric('tenantatlas_runs_completed_total', { ...noop, outcome: 'succeeded' }),
      startsAnswered: await startsAnswered(),
    };

    // two starts of one check of a real connection: the provider is unreachable, so the first run
    // stays active (retrying) and the second gets it back; a no-op run completes at once
    const created = await gateway.send('POST', `/api/workspaces/${gateway.workspaceId}/connections`, {
      tenant_id: tenantId,
      display_name: 'Counted connection',
      client_id: randomUUID(),
      target_tenant_id: randomUUID(),
      client_secret: 'not-a-real-secret',
    });
    const subject = (created.body as { connection: { id: string } }).connection.id;
    const first = await gateway.send('POST', runs, { tenant_id: tenantId, ...check, subject });
    const second = await gateway.send('POST', runs, { tenant_id: tenantId, ...check, subject });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect((second.body as { deduplicated: boolean }).deduplicated).toBe(true);
    expect((await gateway.send('POST', runs, { tenant_id: tenantId, ...noop })).status).toBe(200);

    expect(await metric('tenantatlas_runs_started_total', { ...check, deduplicated: 'false' })).toBe(before.started + 1);
    expect(await metric('tenantatlas_runs_started_total', { ...check, deduplicated: 'true' })).toBe(before.deduplicated + 1);
    expect(await startsAnswered()).toBe(before.startsAnswered + 3);
    await waitFor(async () => (await metric('tenantatlas_runs_completed_total', { ...noop, outcome: 'succeeded' })) === before.noopSucceeded + 1, {
      timeoutMs: 30_000,
      what: 'the no-op run to be counted as succeeded',
    });
  });
});
