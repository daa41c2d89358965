/**
 * The gateway's isolation matrix over EVERY documented workspace route, with real resources from the
 * real services: non-member → 404, member not entitled to the tenant → 404, member without the
 * capability → 403, allowed → 2xx (every operation of the document, mutations included, against
 * resources arranged so the call is legitimately possible); refusals carry nothing about the
 * resource they refused, neither in the body nor in the headers. Plus the problem documents of a
 * stale write (409 with the current version) and the security headers.
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@tenantatlas/testing';
import { GatewayClient } from '../../services/gateway/src/testing/gateway-client';
import { checkContractAtEnd } from './contract';
import { startStack, type Stack } from './ui-stack';

type Op = { method: string; template: string; capability?: string };
const CONTOSO = '11111111-1111-4111-8111-111111111111';
const FABRIKAM = '22222222-2222-4222-8222-222222222222';

checkContractAtEnd();

describe('isolation matrix over every route, against the real services', () => {
  let stack: Stack;
  let admin: GatewayClient;
  let ids: Record<string, string>;
  let ops: Op[];
  /** every operation of the served document, workspace routes or not */
  let allOps: Op[];
  const users: Record<'outsider' | 'readonly' | 'limited' | 'operator', GatewayClient> = {} as never;

  /** A valid body per mutation, so that a refusal can only come from isolation. */
  const bodyFor = (op: Op): unknown => {
    const key = `${op.method} ${op.template.replace('/api/workspaces/{workspaceId}', '')}`;
    const bodies: Record<string, unknown> = {
      'POST /tenants/{tenantId}/archive': { expected_version: 1, reason: 'matrix' },
      'POST /tenants/{tenantId}/restore': { expected_version: 1 },
      'POST /drafts/{draftId}/identify': { expected_version: 1, external_tenant_id: CONTOSO, name: 'x' },
      'POST /drafts/{draftId}/connection': { expected_version: 1, connection_id: ids.connectionId },
      'POST /drafts/{draftId}/bootstrap': { expected_version: 1, types: ['inventory.sync'] },
      'POST /drafts/{draftId}/step': { expected_version: 1, step: 'identify' },
      'POST /runs': { tenant_id: ids.tenantId, type: 'inventory.sync', subject: ids.connectionId },
      'POST /runs/retry-failed': { tenant_id: ids.tenantId },
      'POST /connections': { tenant_id: ids.tenantId, display_name: 'x', client_id: 'aaaaaaaa-0000-4000-8000-000000000003', target_tenant_id: CONTOSO },
      'POST /members': { email: 'someone@example.test', role: 'readonly' },
    };
    return key in bodies ? bodies[key] : op.method === 'GET' ? undefined : { expected_version: 1 };
  };
  const pathOf = (op: Op) =>
    op.template
      .replace('{workspaceId}', ids.workspaceId)
      .replace('{tenantId}', ids.tenantId)
      .replace('{draftId}', ids.draftId)
      .replace('{runId}', ids.runId)
      .replace('{connectionId}', ids.connectionId);
  const call = (client: GatewayClient, op: Op) => client.request(op.method, pathOf(op), bodyFor(op));
  const label = (op: Op) => `${op.method} ${op.template}`;
  const secretsOf = () => [ids.tenantId, ids.draftId, ids.runId, ids.connectionId, 'Contoso', 'Demo workspace'];
  /** Body and headers of a refusal name nothing of what it refused. */
  const expectNothingLeaks = (op: Op, res: { text: string; headers: Headers }) => {
    const exposed = res.text + JSON.stringify([...res.headers]);
    for (const secret of secretsOf()) expect([label(op), exposed.includes(String(secret))]).toEqual([label(op), false]);
  };

  beforeAll(async () => {
    stack = await startStack();
    admin = await new GatewayClient(stack.gatewayUrl).login(stack.admin.email, stack.admin.password);
    const workspaceId = (await admin.get('/api/me')).json.workspaces[0].id as string;
    const ws = `/api/workspaces/${workspaceId}`;

    // Contoso: identified, connected, verified (a real run through operations and connections).
    const draft = (await admin.post(`${ws}/drafts`)).json.draft;
    const identified = (await admin.post(`${ws}/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: CONTOSO, name: 'Contoso' })).json;
    const selected = (await admin.post(`${ws}/drafts/${draft.id}/connection`, {
      expected_version: identified.draft.version,
      new_connection: { display_name: 'Contoso app', client_id: 'aaaaaaaa-0000-4000-8000-000000000002', target_tenant_id: CONTOSO, client_secret: 'matrix-secret' },
    })).json;
    const verification = (await admin.post(`${ws}/drafts/${draft.id}/verification`, { expected_version: selected.draft.version })).json;
    await waitFor(async () => (await admin.get(`${ws}/runs/${verification.run_id}`)).json.run.status === 'completed', { timeoutMs: 60_000, what: 'the verification run' });
    // Fabrikam: the limited member's only tenant.
    const other = (await admin.post(`${ws}/drafts`)).json.draft;
    const fabrikam = (await admin.post(`${ws}/drafts/${other.id}/identify`, { expected_version: other.version, external_tenant_id: FABRIKAM, name: 'Fabrikam' })).json;
    ids = { workspaceId, tenantId: identified.tenant.id, draftId: draft.id, runId: verification.run_id, connectionId: selected.connection_id, fabrikamId: fabrikam.tenant.id };

    users.readonly = await admin.addMember(workspaceId, { email: 'ro@example.test', role: 'readonly' }, 'readonly-pass-1');
    users.limited = await admin.addMember(workspaceId, { email: 'lim@example.test', role: 'operator', tenantIds: [ids.fabrikamId] }, 'limited-pass-1');
    users.operator = await admin.addMember(workspaceId, { email: 'op@example.test', role: 'operator' }, 'operator-pass-1');
    const otherWs = (await admin.post('/api/workspaces', { name: 'Elsewhere' })).json.id;
    users.outsider = await admin.addMember(otherWs, { email: 'out@example.test', role: 'owner' }, 'outsider-pass-1');

    const doc = (await admin.get('/api/openapi.json')).json;
    allOps = Object.entries<Record<string, any>>(doc.paths).flatMap(([template, methods]) =>
      Object.entries<any>(methods).map(([method, op]) => ({ method: method.toUpperCase(), template, capability: op['x-capability'] })),
    );
    ops = allOps.filter((op) => op.template.startsWith('/api/workspaces/{workspaceId}') && !op.template.endsWith('/events'));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 404 to a non-member on every route, and the body and headers name nothing of the workspace', async () => {
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      const res = await call(users.outsider, op);
      expect([label(op), res.status, res.json?.code]).toEqual([label(op), 404, 'WORKSPACE.NOT_FOUND']);
      const exposed = res.text + JSON.stringify([...res.headers]);
      for (const secret of secretsOf()) expect(exposed).not.toContain(secret);
    }
  });

  it('answers 404 to a member whose scope excludes the tenant, on every route about it', async () => {
    const limitedCaps = new Set<string>((await users.limited.get(`/api/workspaces/${ids.workspaceId}`)).json.capabilities);
    const aboutContoso = ops.filter((op) => /\{(tenantId|draftId|runId|connectionId)\}/.test(op.template) || ['POST /api/workspaces/{workspaceId}/runs', 'POST /api/workspaces/{workspaceId}/connections', 'POST /api/workspaces/{workspaceId}/runs/retry-failed'].includes(label(op)));
    expect(aboutContoso.length).toBeGreaterThan(20);
    for (const op of aboutContoso.filter((o) => !o.capability || limitedCaps.has(o.capability))) {
      const res = await call(users.limited, op);
      // an object of another tenant reads as a missing one of its kind
      const missing = /\{draftId\}/.test(op.template) ? 'DRAFT' : /\{runId\}/.test(op.template) ? 'RUN' : /\{connectionId\}/.test(op.template) ? 'CONNECTION' : 'TENANT';
      expect([label(op), res.status, res.json?.code]).toEqual([label(op), 404, `${missing}.NOT_FOUND`]);
      expectNothingLeaks(op, res);
    }
    // Lists show only the member's tenant.
    for (const list of ['/tenants', '/drafts', '/runs', '/connections']) {
      const res = await users.limited.get(`/api/workspaces/${ids.workspaceId}${list}`);
      expect([list, res.status]).toEqual([list, 200]);
      expect(res.text).not.toContain(ids.tenantId);
    }
    const own = await users.limited.get(`/api/workspaces/${ids.workspaceId}/tenants/${ids.fabrikamId}`);
    expect(own.json.tenant.name).toBe('Fabrikam');
  });

  it('answers 403 to a member without the capability, on every route that needs one it lacks, naming nothing of the resource', async () => {
    const readonlyCaps = new Set<string>((await users.readonly.get(`/api/workspaces/${ids.workspaceId}`)).json.capabilities);
    const denied = ops.filter((op) => op.capability && !readonlyCaps.has(op.capability));
    expect(denied.length).toBeGreaterThan(20);
    for (const op of denied) {
      const res = await call(users.readonly, op);
      expect([label(op), res.status, res.json?.code, res.json?.details?.capability]).toEqual([label(op), 403, 'ACCESS.CAPABILITY_MISSING', op.capability]);
      expectNothingLeaks(op, res);
    }
  });

  it('answers 2xx to an entitled member on every read route, with the real resources', async () => {
    const reads = ops.filter((op) => op.method === 'GET');
    expect(reads.length).toBeGreaterThan(12);
    for (const op of reads) {
      const res = await call(admin, op);
      expect([label(op), res.status]).toEqual([label(op), 200]);
    }
    for (const op of reads.filter((o) => o.capability && ['tenant.view', 'connection.view', 'operations.view', 'audit.view'].includes(o.capability))) {
      const res = await call(users.readonly, op);
      expect([label(op), res.status]).toEqual([label(op), 200]);
    }
    const run = (await admin.get(`/api/workspaces/${ids.workspaceId}/runs/${ids.runId}`)).json.run;
    expect(run).toMatchObject({ type: 'provider.connection.check', status: 'completed', tenant_id: ids.tenantId });
    const connection = await admin.get(`/api/workspaces/${ids.workspaceId}/connections/${ids.connectionId}`);
    expect(connection.text).not.toContain('matrix-secret');
  });

  it('refuses an activation override to an operator inside the handler: 403 naming the capability, the draft unchanged', async () => {
    const ws = `/api/workspaces/${ids.workspaceId}`;
    const created = (await admin.post(`${ws}/drafts`)).json.draft;
    const identified = await admin.post(`${ws}/drafts/${created.id}/identify`, { expected_version: created.version, external_tenant_id: randomUUID(), name: 'Override target' });
    expect(identified.status).toBe(200);
    const before = identified.json.draft;
    const op: Op = { method: 'POST', template: '/api/workspaces/{workspaceId}/drafts/{draftId}/activate' };

    const refused = await users.operator.post(`${ws}/drafts/${before.id}/activate`, { expected_version: before.version, override: true, override_reason: 'matrix: operator tries an override' });
    expect([refused.status, refused.json?.code, refused.json?.details?.capability]).toEqual([403, 'ACCESS.CAPABILITY_MISSING', 'onboarding.activate.override']);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.json).toMatchObject({ status: 403, type: 'urn:tenantatlas:problem:ACCESS.CAPABILITY_MISSING' });
    expectNothingLeaks(op, refused);
    for (const leaked of [before.id, identified.json.tenant.id, 'Override target']) expect(refused.text + JSON.stringify([...refused.headers])).not.toContain(leaked);
    const after = (await admin.get(`${ws}/drafts/${before.id}`)).json.draft;
    expect({ version: after.version, lifecycle_state: after.lifecycle_state }).toEqual({ version: before.version, lifecycle_state: before.lifecycle_state });
    // the same operator passes the capability checks without the override: the service answers (not ready)
    const plain = await users.operator.post(`${ws}/drafts/${before.id}/activate`, { expected_version: before.version });
    expect([plain.status, plain.json?.code]).toEqual([422, 'DRAFT.NOT_READY']);
    expect((await admin.get(`${ws}/drafts/${before.id}`)).json.draft.version).toBe(before.version);
  });

  it('answers a stale expected_version with 409 DRAFT.VERSION_CONFLICT naming the current version, as a problem document', async () => {
    const ws = `/api/workspaces/${ids.workspaceId}`;
    const created = (await admin.post(`${ws}/drafts`)).json.draft;
    // someone else moves the draft on; the version we hold is now stale
    const moved = await admin.post(`${ws}/drafts/${created.id}/step`, { expected_version: created.version, step: 'identify' });
    expect(moved.status).toBe(200);
    const current = (await admin.get(`${ws}/drafts/${created.id}`)).json.draft;
    expect(current.version).toBeGreaterThan(created.version);

    const stale = await admin.post(`${ws}/drafts/${created.id}/step`, { expected_version: created.version, step: 'identify' });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stale.json).toMatchObject({
      type: 'urn:tenantatlas:problem:DRAFT.VERSION_CONFLICT',
      status: 409,
      code: 'DRAFT.VERSION_CONFLICT',
      detail: expect.any(String),
      details: { currentVersion: current.version },
    });
    expect((await admin.get(`${ws}/drafts/${created.id}`)).json.draft.version).toBe(current.version);
  });

  it('keeps an owner over every tenant: the only owner cannot demote or narrow themself (409 MEMBER.LAST_OWNER), nothing changes', async () => {
    const ws = `/api/workspaces/${ids.workspaceId}`;
    for (const change of [{ role: 'manager' }, { role: 'owner', tenantIds: [ids.tenantId] }]) {
      const refused = await admin.post(`${ws}/members`, { email: stack.admin.email, ...change });
      expect([refused.status, refused.json.code]).toEqual([409, 'MEMBER.LAST_OWNER']);
    }
    expect((await admin.get(ws)).json).toMatchObject({ role: 'owner', tenantScope: { kind: 'all' } });
  });

  it('sends the security headers on API responses (success and problem) and on the UI', async () => {
    const expectSecurityHeaders = (what: string, headers: Headers) => {
      const csp = headers.get('content-security-policy') ?? '';
      expect([what, csp]).toEqual([what, expect.stringContaining("default-src 'self'")]);
      expect([what, /unsafe-inline|unsafe-eval/.test(csp)]).toEqual([what, false]);
      expect([what, headers.get('x-frame-options'), headers.get('x-content-type-options'), headers.get('referrer-policy')]).toEqual([what, 'DENY', 'nosniff', 'no-referrer']);
    };
    const api = await admin.get('/api/me');
    expect(api.status).toBe(200);
    expectSecurityHeaders('GET /api/me', api.headers);
    expect(api.headers.get('cache-control')).toBe('no-store');
    const problem = await users.readonly.post(`/api/workspaces/${ids.workspaceId}/runs`, { tenant_id: ids.tenantId, type: 'inventory.sync', subject: ids.connectionId });
    expect(problem.status).toBe(403);
    expectSecurityHeaders('403 problem', problem.headers);
    expect(problem.headers.get('cache-control')).toBe('no-store');
    const ui = await fetch(`${stack.gatewayUrl}/`);
    expect([ui.status, ui.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    await ui.text();
    expectSecurityHeaders('GET /', ui.headers);
  });

  it('answers 2xx to an entitled member on EVERY operation of the document, mutations included, each legitimately possible', async () => {
    const ws = `/api/workspaces/${ids.workspaceId}`;
    const CHECK = 'provider.connection.check';
    /** status of each documented operation as called here (by the template its concrete path matches) */
    const covered = new Map<string, number>();
    const failures: string[] = [];
    const literals = (template: string) => template.split('/').filter((part) => part && !part.startsWith('{')).length;
    const templateOf = (method: string, path: string): Op | undefined =>
      allOps
        .filter((op) => op.method === method && new RegExp(`^${op.template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!))
        .sort((a, b) => literals(b.template) - literals(a.template))[0];
    type Answer = Awaited<ReturnType<GatewayClient['request']>>;
    /** Calls a documented operation that must answer 2xx; a failure is recorded (with request, answer) and the case goes on. */
    const hit = async (client: GatewayClient, method: string, path: string, body?: unknown, expected?: number): Promise<Answer> => {
      const res = await client.request(method, path, method === 'GET' ? undefined : (body ?? {}));
      const op = templateOf(method, path);
      const name = op ? label(op) : `${method} ${path} (not in the document)`;
      covered.set(name, res.status);
      const good = expected === undefined ? res.status >= 200 && res.status < 300 : res.status === expected;
      if (!good) failures.push(`${name}: ${method} ${path} ${JSON.stringify(body ?? null)} → ${res.status} ${res.text.slice(0, 500)}`);
      return res;
    };
    /** Arranging calls (not what this case asserts): any failure stops it. */
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await admin.request(method, path, method === 'GET' ? undefined : (body ?? {}));
      if (res.status < 200 || res.status >= 300) throw new Error(`arranging: ${method} ${path} → ${res.status} ${res.text.slice(0, 500)}\nso far: ${failures.join('\n')}`);
      return res.json;
    };
    const watch = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
      let last: T | undefined;
      try {
        return await waitFor(async () => ((last = await read()), done(last) ? last : undefined), { timeoutMs: 60_000, intervalMs: 500, what });
      } catch (err) {
        throw new Error(`${(err as Error).message}\nlast seen: ${JSON.stringify(last)?.slice(0, 2000)}\nso far: ${failures.join('\n')}`);
      }
    };
    const readiness = (draftId: string) => must('GET', `${ws}/drafts/${draftId}/readiness`).then((r) => r.readiness);
    const run = (runId: string) => must('GET', `${ws}/runs/${runId}`).then((r) => r.run);
    /** A managed tenant of its own (draft + identify) with one connection to its own simulator tenant. */
    const tenantWithConnection = async (name: string) => {
      const ext = randomUUID();
      const draft = (await must('POST', `${ws}/drafts`)).draft;
      const tenantId = (await must('POST', `${ws}/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: ext, name })).tenant.id as string;
      const connection = (await must('POST', `${ws}/connections`, { tenant_id: tenantId, display_name: `${name} app`, client_id: randomUUID(), target_tenant_id: ext, client_secret: `secret-${randomUUID()}` })).connection;
      return { ext, tenantId, connectionId: connection.id as string };
    };

    // --- onboarding, end to end on a fresh tenant: every draft action is the next legitimate step
    const extA = randomUUID();
    const created = await hit(admin, 'POST', `${ws}/drafts`, undefined, 201);
    const draftA = created.json.draft.id as string;
    const identified = await hit(admin, 'POST', `${ws}/drafts/${draftA}/identify`, { expected_version: created.json.draft.version, external_tenant_id: extA, name: 'Matrix Alpha' });
    const tenantA = identified.json.tenant.id as string;
    const selected = await hit(admin, 'POST', `${ws}/drafts/${draftA}/connection`, {
      expected_version: identified.json.draft.version,
      new_connection: { display_name: 'Alpha app', client_id: randomUUID(), target_tenant_id: extA, client_secret: `alpha-${randomUUID()}` },
    });
    const connA = selected.json.connection_id as string;
    const verification = await hit(admin, 'POST', `${ws}/drafts/${draftA}/verification`, { expected_version: selected.json.draft.version });
    const verificationRunId = verification.json.run_id as string;
    await watch('the verification to succeed', () => readiness(draftA), (r) => r.verification.status === 'succeeded' && r.provider.verification_status === 'healthy');
    const boot = await hit(admin, 'POST', `${ws}/drafts/${draftA}/bootstrap`, { expected_version: verification.json.draft.version, types: ['inventory.sync'] });
    await watch('the bootstrap to complete', () => readiness(draftA), (r) => r.ready && r.last_completed_checkpoint === 'bootstrap');
    const step = await hit(admin, 'POST', `${ws}/drafts/${draftA}/step`, { expected_version: boot.json.draft.version, step: 'verify' });
    expect(step.json?.draft?.current_step).toBe('verify');
    const activated = await hit(admin, 'POST', `${ws}/drafts/${draftA}/activate`, { expected_version: step.json?.draft?.version });
    expect(activated.json).toMatchObject({ draft: { lifecycle_state: 'completed' }, tenant: { id: tenantA, status: 'active' } });
    // a draft of its own to cancel
    const doomed = (await must('POST', `${ws}/drafts`)).draft;
    const cancelled = await hit(admin, 'POST', `${ws}/drafts/${doomed.id}/cancel`, { expected_version: doomed.version, reason: 'matrix: not needed' });
    expect(cancelled.json?.draft?.lifecycle_state).toBe('cancelled');

    // --- the tenant: archive (no open draft left), then restore
    const tenant = (await must('GET', `${ws}/tenants/${tenantA}`)).tenant;
    const archived = await hit(admin, 'POST', `${ws}/tenants/${tenantA}/archive`, { expected_version: tenant.version, reason: 'matrix: archive' });
    expect(archived.json?.tenant?.status).toBe('archived');
    const restored = await hit(admin, 'POST', `${ws}/tenants/${tenantA}/restore`, { expected_version: archived.json?.tenant?.version });
    expect(restored.json?.tenant?.status).toBe('active');

    // --- connections: a second one for the tenant; check, make default, disable, enable
    const second = await hit(admin, 'POST', `${ws}/connections`, { tenant_id: tenantA, display_name: 'Alpha second app', client_id: randomUUID(), target_tenant_id: extA, client_secret: `alpha2-${randomUUID()}` }, 201);
    const connB = second.json.connection.id as string;
    expect(second.json.connection).toMatchObject({ tenant_id: tenantA, is_default: false, enabled: true });
    const check = await hit(admin, 'POST', `${ws}/connections/${connB}/check`);
    expect(check.json?.run).toMatchObject({ type: CHECK, subject: connB, tenant_id: tenantA });
    const madeDefault = await hit(admin, 'POST', `${ws}/connections/${connB}/default`);
    expect(madeDefault.json?.connection?.is_default).toBe(true);
    const disabled = await hit(admin, 'POST', `${ws}/connections/${connB}/disable`);
    expect(disabled.json?.connection?.enabled).toBe(false);
    const enabled = await hit(admin, 'POST', `${ws}/connections/${connB}/enable`);
    expect(enabled.json?.connection?.enabled).toBe(true);

    // --- runs: one kept active by a slow provider, then cancelled; a completed one rerun; a failed one retried
    const slow = await tenantWithConnection('Matrix Slow');
    await stack.simulator.control('POST', `/tenants/${slow.ext}/faults`, { kind: 'slow', delayMs: 5_000 });
    try {
      const started = await hit(admin, 'POST', `${ws}/runs`, { tenant_id: slow.tenantId, type: 'permissions.refresh', subject: slow.connectionId });
      expect(started.json?.run).toMatchObject({ type: 'permissions.refresh', tenant_id: slow.tenantId });
      expect(started.json?.run?.status).not.toBe('completed');
      const cancelledRun = await hit(admin, 'POST', `${ws}/runs/${started.json?.run?.id}/cancel`);
      expect(cancelledRun.json?.run).toMatchObject({ status: 'completed', outcome: 'cancelled' });
    } finally {
      await stack.simulator.control('DELETE', `/tenants/${slow.ext}/faults`);
    }
    expect(await run(verificationRunId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    const rerun = await hit(admin, 'POST', `${ws}/runs/${verificationRunId}/rerun`, { idempotency_key: `matrix-rerun-${randomUUID()}` });
    expect(rerun.json?.run).toMatchObject({ rerun_of: verificationRunId, type: CHECK, subject: connA });
    const failing = await tenantWithConnection('Matrix Failing');
    await stack.simulator.control('POST', `/tenants/${failing.ext}/faults`, { kind: 'forbidden', endpoint: 'graph' });
    const doomedRun = (await must('POST', `${ws}/runs`, { tenant_id: failing.tenantId, type: CHECK, subject: failing.connectionId })).run;
    await watch('the run to fail', () => run(doomedRun.id), (r) => r.status === 'completed');
    expect(await run(doomedRun.id)).toMatchObject({ outcome: 'failed' });
    await stack.simulator.control('DELETE', `/tenants/${failing.ext}/faults`);
    const retried = await hit(admin, 'POST', `${ws}/runs/retry-failed`, { tenant_id: failing.tenantId });
    expect(retried.json?.retried?.map((r: { failed_run_id: string }) => r.failed_run_id)).toEqual([doomedRun.id]);

    // --- members and workspaces
    const member = await hit(admin, 'POST', `${ws}/members`, { email: `new-${randomUUID()}@example.test`, role: 'operator', tenantIds: [tenantA] }, 201);
    expect(member.json).toMatchObject({ role: 'operator', status: 'invited' });
    const joined = await hit(new GatewayClient(stack.gatewayUrl), 'POST', '/api/invitations/accept', { token: member.json?.invitation?.token, password: 'new-member-pass-1' }, 200);
    expect(joined.json?.workspace).toEqual({ id: ids.workspaceId, name: 'Demo workspace' });
    const workspace = await hit(admin, 'POST', '/api/workspaces', { name: 'Matrix second workspace' }, 201);
    expect(workspace.json?.id).toEqual(expect.any(String));

    // --- every read, on the resources made above
    for (const path of [
      ws,
      `${ws}/tenants`,
      `${ws}/tenants/${tenantA}`,
      `${ws}/drafts`,
      `${ws}/drafts/${draftA}`,
      `${ws}/drafts/${draftA}/readiness`,
      `${ws}/connections`,
      `${ws}/connections/${connB}`,
      `${ws}/runs`,
      `${ws}/runs/${verificationRunId}`,
      `${ws}/members`,
      `${ws}/audit`,
      '/api/me',
      '/api/capabilities',
      '/api/run-types',
    ]) {
      await hit(admin, 'GET', path, undefined, 200);
    }
    const exported = await hit(admin, 'GET', `${ws}/audit/export?format=csv`, undefined, 200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(exported.text).toContain(tenantA);
    // the runs, as the task board lists them: every run once, newest started first, in both formats
    const listed = (await admin.get(`${ws}/runs?pageSize=200`)).json.runs as { id: string }[];
    const runsNdjson = await hit(admin, 'GET', `${ws}/runs/export`, undefined, 200);
    expect(runsNdjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(runsNdjson.text.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(listed);
    const runsCsv = await admin.get(`${ws}/runs/export?format=csv&tenantId=${tenantA}`);
    const rows = runsCsv.text.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^id,tenant_id,type,subject,status,outcome,/);
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(listed.filter((run) => (run as { tenant_id?: string }).tenant_id === tenantA).map((run) => run.id));

    // --- auth: sign-in, API token (used for the live stream), sign-out
    const signIn = await hit(new GatewayClient(stack.gatewayUrl), 'POST', '/api/auth/login', { email: 'op@example.test', password: 'operator-pass-1' }, 200);
    expect(signIn.json?.csrfToken).toEqual(expect.any(String));
    const token = await hit(admin, 'POST', '/api/tokens', { name: 'matrix token' }, 201);
    const events = `${ws}/events`;
    const controller = new AbortController();
    const stream = await fetch(`${stack.gatewayUrl}${events}`, { headers: { authorization: `Bearer ${token.json?.token}` }, signal: controller.signal });
    const first = await stream.body!.getReader().read();
    controller.abort();
    covered.set(label(templateOf('GET', events)!), stream.status);
    if (stream.status !== 200 || !stream.headers.get('content-type')?.startsWith('text/event-stream')) {
      failures.push(`GET ${events} → ${stream.status} ${stream.headers.get('content-type')} ${new TextDecoder().decode(first.value)}`);
    }
    const session = await new GatewayClient(stack.gatewayUrl).login('op@example.test', 'operator-pass-1');
    await hit(session, 'POST', '/api/auth/logout', undefined, 204);
    expect((await session.get('/api/me')).status).toBe(401);

    expect(failures).toEqual([]);
    // every documented operation was called here, and nothing else
    expect([...covered.keys()].sort()).toEqual(allOps.map(label).sort());
    expect([...covered.values()].every((status) => status >= 200 && status < 300)).toBe(true);
  });
});
