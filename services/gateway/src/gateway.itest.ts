import { createKafka, EventConsumer, topicsFor, type EventEnvelope } from '@tenantatlas/kafka';
import { freePort, startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { connectDownstream } from './adapters/grpc/downstream';
import { generateKeyPairSync, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { GatewayClient } from './testing/gateway-client';
import { followSecurityEvents } from './testing/security-events';

const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const AUDIENCE = 'api://tenantatlas-itest';

/** One request with any method (fetch refuses TRACE), without credentials: routing answers first. */
function sendRaw(base: string, method: string, path: string): Promise<{ status: number; allow?: string; contentType?: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const code = text ? (JSON.parse(text) as { code?: string }).code : undefined;
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, contentType: res.headers['content-type']?.split(';')[0], code });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A stand-in identity provider: discovery document, JWKS, and a way to mint tokens. */
async function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/issuer/.well-known/openid-configuration') return void res.end(JSON.stringify({ issuer: `${base}/issuer`, jwks_uri: `${base}/keys` }));
    if (req.url === '/keys') return void res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;
  const mint = (claims: Record<string, unknown>) => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const data = `${enc({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${enc({ iss: issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, ...claims })}`;
    return `${data}.${sign('sha256', Buffer.from(data), privateKey).toString('base64url')}`;
  };
  return { issuer, mint, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type Operation = { method: string; path: string; capability?: string; requiresWorkspace: boolean };

/** Every operation the gateway documents, with placeholders filled in. */
function operationsOf(doc: any, workspaceId: string, tenantId = 'tenant-x'): Operation[] {
  const result: Operation[] = [];
  for (const [template, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const path = template
        .replace('{workspaceId}', workspaceId)
        .replace('{tenantId}', tenantId)
        .replace(/\{\w+\}/g, 'some-id');
      result.push({ method: method.toUpperCase(), path, capability: op['x-capability'], requiresWorkspace: template.includes('{workspaceId}') });
    }
  }
  return result;
}

describe('gateway as a process: identity, isolation, errors', () => {
  const infra = testInfra();
  const prefix = `${uniqueName('gw')}.`;
  const env = { MONGO_DB: uniqueName('gateway'), KAFKA_TOPIC_PREFIX: prefix, GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email, GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password, SIGN_IN_RATE_LIMIT_PER_MINUTE: '20', OIDC_AUDIENCE: AUDIENCE };
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  const denials: EventEnvelope[] = [];
  let gateway: ServiceProcess;
  let consumer: EventConsumer;
  let base: string;
  let admin: GatewayClient;
  let readonly: GatewayClient;
  let outsider: GatewayClient;
  let limited: GatewayClient;
  let workspaceA: string;
  let workspaceB: string;
  let doc: any;
  const rawRequest = (method: string, path: string) => sendRaw(base, method, path);

  beforeAll(async () => {
    issuer = await startIssuer();
    gateway = await startService('gateway', { env: { ...env, OIDC_ISSUER: issuer.issuer }, portVariable: 'HTTP_PORT', readiness: { httpPath: '/readyz' } });
    base = `http://${gateway.address}`;
    consumer = await followSecurityEvents(infra.kafkaBrokers, prefix, denials);

    admin = await new GatewayClient(base).login(ADMIN.email, ADMIN.password);
    const me = await admin.get('/api/me');
    workspaceA = me.json.workspaces[0].id;
    readonly = await admin.addMember(workspaceA, { email: 'ro@example.test', role: 'readonly' }, 'readonly-pass-1');
    limited = await admin.addMember(workspaceA, { email: 'limited@example.test', role: 'operator', tenantIds: ['tenant-allowed'] }, 'limited-pass-1');
    workspaceB = (await admin.post('/api/workspaces', { name: 'Other workspace' })).json.id;
    outsider = await admin.addMember(workspaceB, { email: 'out@example.test', role: 'owner' }, 'outsider-pass-1');
    doc = (await admin.get('/api/openapi.json')).json;
  });

  afterAll(async () => {
    await consumer?.stop();
    await gateway?.stop();
    await issuer?.close();
  });

  it('seeds the admin with an owned workspace and never logs the password', async () => {
    const me = await admin.get('/api/me');
    expect(me.json.workspaces).toEqual(expect.arrayContaining([expect.objectContaining({ id: workspaceA, role: 'owner', name: 'Demo workspace' })]));
    expect(gateway.output()).toContain(ADMIN.email);
    expect(gateway.output()).not.toContain(ADMIN.password);
    expect(gateway.output()).not.toContain('readonly-pass-1');
  });

  it('refuses a wrong password and unauthenticated calls with 401', async () => {
    const wrong = await new GatewayClient(base).request('POST', '/api/auth/login', { email: ADMIN.email, password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe('AUTH.INVALID_CREDENTIALS');
    const anonymous = await new GatewayClient(base).get(`/api/workspaces/${workspaceA}/tenants`);
    expect(anonymous.status).toBe(401);
  });

  it('answers 404 on every workspace route for a non-member, revealing nothing', async () => {
    const ops = operationsOf(doc, workspaceA).filter((op) => op.requiresWorkspace);
    expect(ops.length).toBeGreaterThan(25);
    for (const op of ops) {
      const res = await outsider.request(op.method, op.path, op.method === 'GET' ? undefined : {});
      expect({ op: `${op.method} ${op.path}`, status: res.status }).toEqual({ op: `${op.method} ${op.path}`, status: 404 });
      expect(res.json.code).toBe('WORKSPACE.NOT_FOUND');
      expect(res.text).not.toContain('Demo workspace');
    }
    // Same answer as for a workspace that does not exist at all.
    const missing = await outsider.get('/api/workspaces/ws_does-not-exist/tenants');
    expect(missing.json).toEqual((await outsider.get(`/api/workspaces/${workspaceA}/tenants`)).json);
  });

  it('answers 403 for a member whose role lacks the capability, on every such route', async () => {
    const readonlyCaps = new Set((await readonly.get(`/api/workspaces/${workspaceA}`)).json.capabilities as string[]);
    const ops = operationsOf(doc, workspaceA).filter((op) => op.requiresWorkspace && op.capability && !readonlyCaps.has(op.capability));
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) {
      const res = await readonly.request(op.method, op.path, op.method === 'GET' ? undefined : {});
      expect({ op: `${op.method} ${op.path}`, status: res.status }).toEqual({ op: `${op.method} ${op.path}`, status: 403 });
      expect(res.json.code).toBe('ACCESS.CAPABILITY_MISSING');
    }
  });

  it('answers 404 for a tenant outside a limited member scope, and lets the allowed tenant through to the service', async () => {
    const other = await limited.get(`/api/workspaces/${workspaceA}/tenants/tenant-other`);
    expect(other.status).toBe(404);
    expect(other.json.code).toBe('TENANT.NOT_FOUND');
    const startOther = await limited.post(`/api/workspaces/${workspaceA}/runs`, { tenant_id: 'tenant-other', type: 'inventory.sync' });
    expect(startOther.status).toBe(404);
    // Allowed: passes isolation, then meets the (unconfigured) onboarding service.
    const allowed = await limited.get(`/api/workspaces/${workspaceA}/tenants/tenant-allowed`);
    expect(allowed.status).toBe(503);
    expect(allowed.json).toMatchObject({ code: 'DOWNSTREAM.UNAVAILABLE', details: { service: 'onboarding' } });
  });

  it('emits every denial as tenantatlas.gateway.access.denied on the security topic', async () => {
    await outsider.get(`/api/workspaces/${workspaceA}/runs`);
    await readonly.post(`/api/workspaces/${workspaceA}/runs`, {});
    const notMember = await waitFor(() =>
      denials.find((e) => e.actor.kind === 'user' && e.actor.userId === outsider.userId && e.data.operation === 'GET /api/workspaces/{workspaceId}/runs'),
    );
    expect(notMember).toMatchObject({
      type: 'tenantatlas.gateway.access.denied',
      workspaceId: workspaceA,
      subject: `workspace/${workspaceA}`,
      data: { outcome: 'denied', reasonCode: 'NOT_A_MEMBER', capability: 'operations.view' },
    });
    const forbidden = await waitFor(() =>
      denials.find((e) => e.actor.kind === 'user' && e.actor.userId === readonly.userId && e.data.operation === 'POST /api/workspaces/{workspaceId}/runs'),
    );
    expect(forbidden.data).toMatchObject({ reasonCode: 'CAPABILITY_MISSING', capability: 'operations.start' });
    const scope = await waitFor(() => denials.find((e) => e.data.reasonCode === 'TENANT_OUT_OF_SCOPE'));
    expect(scope.tenantId).toBe('tenant-other');
  });

  it('rejects bad input with a 400 problem document: stable code, the field named, never 500', async () => {
    const missing = await admin.post(`/api/workspaces/${workspaceA}/runs`, { type: 'inventory.sync' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.json).toMatchObject({ type: 'urn:tenantatlas:problem:REQUEST.INVALID', status: 400, code: 'REQUEST.INVALID', details: { field: 'body.tenant_id' } });
    const wrongType = await admin.post(`/api/workspaces/${workspaceA}/drafts/d1/identify`, { expected_version: 'one', external_tenant_id: 'x', name: 'n' });
    expect(wrongType.json.details.field).toBe('body.expected_version');
    const badQuery = await admin.get(`/api/workspaces/${workspaceA}/runs?status=exploded`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.details.field).toBe('query.status');
    const malformed = await admin.request('POST', `/api/workspaces/${workspaceA}/runs`, '{"tenant_id":', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('REQUEST.MALFORMED_JSON');
    expect(malformed.text).not.toMatch(/\n\s+at /);
    const member = await admin.post(`/api/workspaces/${workspaceA}/members`, { email: 'new@example.test', role: 'superuser' });
    expect(member.json).toMatchObject({ code: 'REQUEST.INVALID', details: { field: 'body.role' } });
  });

  it('requires the CSRF header for cookie-authenticated writes, and accepts API tokens without it, each recorded in its creator\'s workspaces', async () => {
    const noCsrf = await admin.request('POST', '/api/workspaces', { name: 'x' }, { 'x-csrf-token': '' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.code).toBe('AUTH.CSRF_TOKEN_INVALID');
    const { id, token } = (await admin.post('/api/tokens', { name: 'ci' })).json;
    // each of the admin's workspaces (the seeded one and the one it created) records the token, never its secret
    const recorded = await waitFor(() => {
      const events = denials.filter((e) => e.type === 'tenantatlas.gateway.api_token.created' && e.subject === `api_token/${id}`);
      return events.length === 2 ? events : undefined;
    });
    expect(recorded.map((e) => e.workspaceId).sort()).toEqual([workspaceA, workspaceB].sort());
    const adminId = (await admin.get('/api/me')).json.user.id;
    for (const event of recorded) expect(event).toMatchObject({ actor: { kind: 'user', userId: adminId }, data: { after: { name: 'ci', userId: adminId } } });
    expect(JSON.stringify(recorded)).not.toContain(token.split('.')[1]);
    const viaToken = await new GatewayClient(base).request('GET', '/api/me', undefined, { authorization: `Bearer ${token}` });
    expect(viaToken.json.user.email).toBe(ADMIN.email);
    const forged = await new GatewayClient(base).request('GET', '/api/me', undefined, { authorization: `Bearer ${token}x` });
    expect(forged.status).toBe(401);
  });

  it('accepts bearer JWTs of the configured identity provider for known users only', async () => {
    const asBearer = (token: string) => new GatewayClient(base).request('GET', '/api/me', undefined, { authorization: `Bearer ${token}` });
    const ok = await asBearer(issuer.mint({ sub: 'entra-1', email: ADMIN.email }));
    expect(ok.status).toBe(200);
    expect(ok.json.user.email).toBe(ADMIN.email);
    expect((await asBearer(issuer.mint({ email: ADMIN.email, aud: 'api://other' }))).status).toBe(401);
    expect((await asBearer(issuer.mint({ email: ADMIN.email, exp: Math.floor(Date.now() / 1000) - 600 }))).status).toBe(401);
    expect((await asBearer(issuer.mint({ email: 'stranger@example.test' }))).json.code).toBe('AUTH.INVALID_TOKEN');
    // An invitee who signs in through the identity provider accepts with its token: no password here.
    const { token } = (await admin.post(`/api/workspaces/${workspaceA}/members`, { email: 'sso@example.test', role: 'readonly' })).json.invitation;
    const acceptAs = (email: string) =>
      new GatewayClient(base).request('POST', '/api/invitations/accept', { token }, { authorization: `Bearer ${issuer.mint({ email })}` });
    const someoneElse = await acceptAs('someone-else@example.test');
    expect([someoneElse.status, someoneElse.json.code]).toEqual([401, 'AUTH.INVALID_CREDENTIALS']);
    const accepted = await acceptAs('sso@example.test');
    expect(accepted.json).toMatchObject({ user: { email: 'sso@example.test' }, csrfToken: null, workspace: { id: workspaceA } });
    expect(accepted.headers.get('set-cookie')).toBeNull();
    const sso = await asBearer(issuer.mint({ email: 'sso@example.test' }));
    expect(sso.json.workspaces).toEqual([expect.objectContaining({ id: workspaceA, role: 'readonly' })]);
    const password = await new GatewayClient(base).request('POST', '/api/auth/login', { email: 'sso@example.test', password: 'anything-at-all' });
    expect(password.status).toBe(401);
  });

  it('serves an OpenAPI 3.1 document whose every operation is a real route', async () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const op of operationsOf(doc, workspaceA)) {
      if (op.path.endsWith('/events')) continue; // a stream that never ends
      if (op.path === '/api/auth/logout') continue; // tested last: it ends the session
      const res = await admin.request(op.method, op.path, op.method === 'GET' ? undefined : {});
      expect({ op: `${op.method} ${op.path}`, code: res.json?.code }).not.toEqual({ op: `${op.method} ${op.path}`, code: 'ROUTE.NOT_FOUND' });
      expect(res.status).toBeLessThan(500 + (res.json?.code === 'DOWNSTREAM.UNAVAILABLE' ? 4 : 0));
    }
    const unknown = await admin.get('/api/nothing-here');
    expect([unknown.status, unknown.json.code]).toEqual([404, 'ROUTE.NOT_FOUND']);
    // a known path asked with a method it does not answer (any method, OPTIONS and TRACE too): 405 naming the ones it does
    const known: Record<string, string> = {
      [`/api/workspaces/${workspaceA}/runs`]: 'GET, HEAD, POST',
      '/api/auth/login': 'POST',
      '/api/openapi.json': 'GET, HEAD',
      [`/api/workspaces/${workspaceA}/drafts/d-1/activate`]: 'POST',
      // a concrete path wins over a template: not GET /runs/{runId}
      [`/api/workspaces/${workspaceA}/runs/retry-failed`]: 'POST',
    };
    for (const [path, allow] of Object.entries(known)) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'GET', 'POST'].filter((m) => !allow.split(', ').includes(m))) {
        const wrong = await rawRequest(method, path);
        expect([method, path, wrong.status, wrong.allow, wrong.contentType, wrong.code]).toEqual([method, path, 405, allow, 'application/problem+json', 'ROUTE.METHOD_NOT_ALLOWED']);
      }
    }
    for (const method of ['PUT', 'OPTIONS', 'TRACE']) {
      const nowhere = await rawRequest(method, '/api/nothing-here');
      expect([method, nowhere.status, nowhere.contentType, nowhere.code]).toEqual([method, 404, 'application/problem+json', 'ROUTE.NOT_FOUND']);
    }
  });

  it('streams live lifecycle changes of the workspace only, to members only', async () => {
    const kafka = createKafka({ clientId: 'gateway-itest-producer', brokers: infra.kafkaBrokers, logger: pino({ level: 'silent' }) });
    const producer = kafka.producer();
    await producer.connect();
    const controller = new AbortController();
    const received: string[] = [];
    const me = await admin.get('/api/me');
    const res = await fetch(`${base}/api/workspaces/${workspaceA}/events`, {
      headers: { cookie: (admin as any).cookie as string },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    void (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received.push(decoder.decode(value));
      }
    })();
    const send = (workspaceId: string, subject: string) =>
      producer.send({
        topic: topicsFor(prefix).operationsEvents,
        messages: [
          {
            key: workspaceId,
            value: JSON.stringify({
              specversion: '1.0', id: uniqueName('ev'), type: 'tenantatlas.operations.run.completed', source: 'operations',
              time: new Date().toISOString(), subject, workspaceId, tenantId: 't1', actor: { kind: 'system', component: 'test' },
              data: { outcome: 'succeeded', secretish: 'never-forwarded' },
            }),
          },
        ],
      });
    // The live consumer joins its group asynchronously; keep sending until a change shows up.
    await waitFor(async () => {
      await send('ws_other', 'run/other-workspace');
      await send(workspaceA, 'run/mine');
      return received.join('').includes('run/mine');
    }, { timeoutMs: 30_000, intervalMs: 1_000, what: 'the live change' });
    controller.abort();
    await producer.disconnect();
    const stream = received.join('');
    expect(stream).toContain('"outcome":"succeeded"');
    expect(stream).not.toContain('run/other-workspace');
    expect(stream).not.toContain('never-forwarded');
    expect(me.status).toBe(200);
  });

  it("ends a live stream at its next keep-alive once its member's scope changed, and keeps the others", async () => {
    const open = async (client: GatewayClient | { bearer: string }) => {
      const headers = 'bearer' in client ? { authorization: `Bearer ${client.bearer}` } : { cookie: (client as any).cookie as string };
      const res = await fetch(`${base}/api/workspaces/${workspaceA}/events`, { headers });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const stream = { text: '', ended: false, cancel: () => reader.cancel() };
      void (async () => {
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return void (stream.ended = true);
          stream.text += decoder.decode(value);
        }
      })();
      return stream;
    };
    const narrowed = await open(limited);
    const unchanged = await open(admin);
    // signed in through the identity provider: its token is verified again, the user not looked up by e-mail
    const viaProvider = await open({ bearer: issuer.mint({ sub: 'entra-1', email: ADMIN.email }) });
    const moved = await admin.post(`/api/workspaces/${workspaceA}/members`, { email: 'limited@example.test', role: 'operator', tenantIds: ['tenant-other'] });
    expect(moved.status).toBe(200);
    try {
      await waitFor(() => narrowed.ended, { timeoutMs: 40_000, intervalMs: 250, what: "the narrowed member's stream to end" });
      // the other stream passed the same keep-alive check and stays open
      await waitFor(() => unchanged.text.includes(': keep-alive') && viaProvider.text.includes(': keep-alive'), {
        timeoutMs: 20_000,
        intervalMs: 250,
        what: "a keep-alive on the unchanged member's streams",
      });
      expect([unchanged.ended, viaProvider.ended]).toEqual([false, false]);
      // the reconnect is checked anew: the stream now opens with the new scope
      const reopened = await open(limited);
      expect(reopened.ended).toBe(false);
      await reopened.cancel();
    } finally {
      await unchanged.cancel();
      await viaProvider.cancel();
      await admin.post(`/api/workspaces/${workspaceA}/members`, { email: 'limited@example.test', role: 'operator', tenantIds: ['tenant-allowed'] });
    }
  });

  it('ends the session on sign-out', async () => {
    const session = await new GatewayClient(base).login(ADMIN.email, ADMIN.password);
    expect((await session.post('/api/auth/logout')).status).toBe(204);
    expect((await session.get('/api/me')).status).toBe(401);
  });

  it('limits sign-in attempts per client with 429 and Retry-After', async () => {
    const anonymous = new GatewayClient(base);
    let last = await anonymous.request('POST', '/api/auth/login', { email: ADMIN.email, password: 'guess' });
    for (let i = 0; i < 25 && last.status !== 429; i++) {
      last = await anonymous.request('POST', '/api/auth/login', { email: ADMIN.email, password: `guess-${i}` });
    }
    expect(last.status).toBe(429);
    expect(last.json.code).toBe('REQUEST.RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('downstream ports', () => {
  it('turn an unreachable backend into one clear 503 error naming it', async () => {
    const port = await freePort();
    const downstream = connectDownstream({ operations: `127.0.0.1:${port}` });
    try {
      await expect(downstream.operations.ListRunTypes({}, { timeoutMs: 2_000 })).rejects.toMatchObject({
        code: 'DOWNSTREAM.UNAVAILABLE',
        kind: 'unavailable',
        details: { service: 'operations' },
      });
      await expect(downstream.audit.ListAuditEvents({ workspace_id: 'w' })).rejects.toMatchObject({ message: expect.stringContaining('not configured') });
    } finally {
      downstream.close();
    }
  });
});
