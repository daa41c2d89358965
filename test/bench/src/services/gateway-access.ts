/**
 * The gateway's request path, against the gateway as a real process (no backend services) through
 * its typed public API client: BENCH_REQUESTS (default 2,000 × BENCH_SCALE) requests at
 * BENCH_CONCURRENCY (default 20) each for an allowed workspace read (session → membership →
 * workspace), a non-member's 404 (plus the denial event on Kafka), a readonly member's 403 and a
 * schema-invalid 400; then BENCH_SIGN_INS (default 30 × BENCH_SCALE) sign-ins (scrypt).
 */
import { createApiClient, type ApiClient } from '@tenantatlas/api-client';
import { startService, testInfra, uniqueName } from '@tenantatlas/testing';
import { deleteTopics, dropDatabases } from './cleanup';
import { callsPerSecond, closedLoop, latencyLine, scaled, timed } from '../timing';

const ADMIN = { email: 'bench-admin@example.test', password: 'bench-password-1' };

async function signedIn(baseUrl: string, email: string, password: string): Promise<ApiClient> {
  const client = createApiClient({ baseUrl });
  const { response } = await client.POST('/api/auth/login', { body: { email, password } });
  if (response.status !== 200) throw new Error(`sign-in of ${email} failed: ${response.status}`);
  return client;
}

/** The one way a member joins: the admin invites the e-mail and the invitee accepts with a password. */
async function member(admin: ApiClient, baseUrl: string, workspaceId: string, email: string, role: 'readonly' | 'owner'): Promise<ApiClient> {
  const { data } = await admin.POST('/api/workspaces/{workspaceId}/members', { params: { path: { workspaceId } }, body: { email, role } as never });
  const token = (data as { invitation?: { token?: string } } | undefined)?.invitation?.token;
  if (!token) throw new Error(`invitation of ${email} failed`);
  const invitee = createApiClient({ baseUrl });
  const { response } = await invitee.POST('/api/invitations/accept', { body: { token, password: `${role}-password-1` } as never });
  if (response.status !== 200) throw new Error(`${email} could not accept the invitation: ${response.status}`);
  return invitee;
}

async function measure(name: string, total: number, concurrency: number, expected: number, call: () => Promise<{ response: Response }>): Promise<void> {
  let unexpected = 0;
  const loop = await closedLoop(total, concurrency, async () => {
    if ((await call()).response.status !== expected) unexpected++;
  });
  console.log(`${name.padEnd(34)} ${String(Math.round(callsPerSecond(loop))).padStart(6)} req/s  ${latencyLine(loop.latencies, [50, 95, 99])}${unexpected ? `  (${unexpected} unexpected statuses!)` : ''}`);
}

export async function gatewayAccess(scale: number): Promise<void> {
  const requests = Number(process.env.BENCH_REQUESTS ?? scaled(2_000, scale));
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
  const signIns = Number(process.env.BENCH_SIGN_INS ?? scaled(30, scale));
  const infra = testInfra();
  const prefix = uniqueName('gateway-bench');
  const dbName = uniqueName('gateway_bench');
  const gateway = await startService('gateway', {
    portVariable: 'HTTP_PORT',
    readiness: { httpPath: '/readyz' },
    env: {
      MONGO_DB: dbName,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email,
      GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_PER_MINUTE: String(requests * 10),
      SIGN_IN_RATE_LIMIT_PER_MINUTE: String(signIns * 10),
    },
  });
  const baseUrl = `http://${gateway.address}`;
  try {
    const admin = await signedIn(baseUrl, ADMIN.email, ADMIN.password);
    const workspaceId = (await admin.GET('/api/me')).data!.workspaces[0]!.id;
    const readonly = await member(admin, baseUrl, workspaceId, 'bench-ro@example.test', 'readonly');
    const other = (await admin.POST('/api/workspaces', { body: { name: 'bench other' } })).data!.id;
    const outsider = await member(admin, baseUrl, other, 'bench-out@example.test', 'owner');
    const path = { params: { path: { workspaceId } } };

    console.log(`gateway access checks: ${requests} requests each, ${concurrency} concurrent`);
    await measure('allowed: GET workspace (200)', requests, concurrency, 200, () => admin.GET('/api/workspaces/{workspaceId}', path));
    await measure('non-member: GET workspace (404)', requests, concurrency, 404, () => outsider.GET('/api/workspaces/{workspaceId}', path));
    await measure('no capability: POST runs (403)', requests, concurrency, 403, () => readonly.POST('/api/workspaces/{workspaceId}/runs', { ...path, body: {} as never }));
    await measure('invalid body: POST runs (400)', requests, concurrency, 400, () => admin.POST('/api/workspaces/{workspaceId}/runs', { ...path, body: { type: 'x' } as never }));

    const signIn = await timed(async () => {
      for (let i = 0; i < signIns; i++) await signedIn(baseUrl, ADMIN.email, ADMIN.password);
    });
    console.log(`sign-in (scrypt N=16384), sequential  ${(signIn.ms / signIns).toFixed(1)} ms each over ${signIns}`);
  } finally {
    await gateway.stop();
    await dropDatabases(infra.mongoUrl, [dbName]);
    await deleteTopics(infra.kafkaBrokers, `${prefix}.`);
  }
}
