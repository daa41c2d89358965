/**
 * The gateway's isolation matrix over EVERY documented workspace route, with real resources from the
 * real services: non-member → 404, member not entitled to the tenant → 404, member without the
 * capability → 403, allowed → 2xx; refusals carry nothing about the resource they refused.
 */
import { waitFor } from '@tenantatlas/shared/testing';
import { GatewayClient } from '../../services/gateway/src/test/gateway-client';
import { startStack, type Stack } from './ui-stack';

type Op = { method: string; template: string; capability?: string };
const CONTOSO = '11111111-1111-4111-8111-111111111111';
const FABRIKAM = '22222222-2222-4222-8222-222222222222';

describe('isolation matrix over every route, against the real services', () => {
  let stack: Stack;
  let admin: GatewayClient;
  let ids: Record<string, string>;
  let ops: Op[];
  const users: Record<'outsider' | 'readonly' | 'limited', GatewayClient> = {} as never;

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
      'POST /connections': { tenant_id: ids.tenantId, display_name: 'x', client_id: 'x', target_tenant_id: CONTOSO },
      'POST /members': { email: 'someone@example.test', role: 'readonly', initialPassword: 'someone-pass-1' },
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

    await admin.post(`${ws}/members`, { email: 'ro@example.test', role: 'readonly', initialPassword: 'readonly-pass-1' });
    await admin.post(`${ws}/members`, { email: 'lim@example.test', role: 'operator', tenantIds: [ids.fabrikamId], initialPassword: 'limited-pass-1' });
    const otherWs = (await admin.post('/api/workspaces', { name: 'Elsewhere' })).json.id;
    await admin.post(`/api/workspaces/${otherWs}/members`, { email: 'out@example.test', role: 'owner', initialPassword: 'outsider-pass-1' });
    users.readonly = await new GatewayClient(stack.gatewayUrl).login('ro@example.test', 'readonly-pass-1');
    users.limited = await new GatewayClient(stack.gatewayUrl).login('lim@example.test', 'limited-pass-1');
    users.outsider = await new GatewayClient(stack.gatewayUrl).login('out@example.test', 'outsider-pass-1');

    const doc = (await admin.get('/api/openapi.json')).json;
    ops = Object.entries<Record<string, any>>(doc.paths)
      .filter(([template]) => template.startsWith('/api/workspaces/{workspaceId}') && !template.endsWith('/events'))
      .flatMap(([template, methods]) => Object.entries<any>(methods).map(([method, op]) => ({ method: method.toUpperCase(), template, capability: op['x-capability'] })));
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
      expect([label(op), res.status, res.json?.code]).toEqual([label(op), 404, 'TENANT.NOT_FOUND']);
      for (const secret of secretsOf()) expect(res.text).not.toContain(secret);
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

  it('answers 403 to a member without the capability, on every route that needs one it lacks', async () => {
    const readonlyCaps = new Set<string>((await users.readonly.get(`/api/workspaces/${ids.workspaceId}`)).json.capabilities);
    const denied = ops.filter((op) => op.capability && !readonlyCaps.has(op.capability));
    expect(denied.length).toBeGreaterThan(20);
    for (const op of denied) {
      const res = await call(users.readonly, op);
      expect([label(op), res.status, res.json?.code]).toEqual([label(op), 403, 'ACCESS.CAPABILITY_MISSING']);
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
});
