import { ProviderFailure } from '../../domain/provider';
import { startProviderSimulator, type ProviderSimulator } from '@tenantatlas/provider-simulator';
import { MicrosoftGraphAdapter } from './microsoft-graph.adapter';

/** The Microsoft adapter against the provider simulator over real HTTP. */
const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const CLIENT = 'cccccccc-0000-4000-8000-000000000001';
const SECRET = 'adapter-itest-secret';

describe('Microsoft Graph adapter against the provider simulator', () => {
  let simulator: ProviderSimulator;
  let adapter: MicrosoftGraphAdapter;
  // A fresh target per test: the adapter keeps a token per target object, and each test resets the simulator.
  let target = { targetTenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, connectionType: 'application' as const };

  beforeAll(async () => {
    simulator = await startProviderSimulator();
    adapter = new MicrosoftGraphAdapter({ loginBaseUrl: simulator.url, graphBaseUrl: simulator.url, scope: 'https://graph.microsoft.com/.default', timeoutMs: 1_000 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    target = { ...target };
    simulator.state.reset();
    simulator.setTenant({ tenantId: TENANT, displayName: 'Contoso', clientSecret: SECRET, domains: ['contoso.onmicrosoft.com'] });
  });

  async function failure(promise: Promise<unknown>): Promise<ProviderFailure> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderFailure);
    return err as ProviderFailure;
  }

  it('reads the organization with a client-credentials token, also by domain name', async () => {
    await expect(adapter.readOrganization(target)).resolves.toEqual({ id: TENANT, displayName: 'Contoso' });
    await expect(adapter.readOrganization({ ...target, targetTenantId: 'contoso.onmicrosoft.com' })).resolves.toMatchObject({ id: TENANT });
    expect(simulator.requests(TENANT).filter((r) => r.endpoint === 'token').every((r) => r.secretMatched)).toBe(true);
  });

  it('uses one token for the calls on one target, and a fresh one for the next target', async () => {
    await adapter.readOrganization(target);
    await adapter.readGrants(target);
    await adapter.readOrganization({ ...target });
    expect(simulator.requests(TENANT).filter((r) => r.endpoint === 'token')).toHaveLength(2);
  });

  it('reads application and delegated grants, following @odata.nextLink across pages', async () => {
    const granted = ['Organization.Read.All', 'Directory.Read.All', 'Policy.Read.All', 'User.Read.All', 'Group.Read.All'];
    simulator.setTenant({ tenantId: TENANT, applicationPermissions: granted, delegatedPermissions: ['User.Read', 'Mail.Read'], pageSize: 2 });
    const grants = await adapter.readGrants(target);
    expect(grants.application).toEqual([...granted].sort());
    expect(grants.delegated).toEqual(['Mail.Read', 'User.Read']);
    const assignmentPages = simulator.requests(TENANT).filter((r) => r.path.endsWith('/appRoleAssignments'));
    expect(assignmentPages).toHaveLength(3);
  });

  it('pages inventory with opaque tokens until the last page', async () => {
    simulator.setTenant({ tenantId: TENANT, users: 7 });
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await adapter.listInventory(target, 'users', token, 3);
      ids.push(...page.items.map((i) => i.id));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(7);
    const forged = Buffer.from('/v1.0/groups?$top=1', 'utf8').toString('base64url');
    expect((await failure(adapter.listInventory(target, 'users', forged))).kind).toBe('invalid_page_token');
  });

  it('turns 429 with Retry-After into a throttled failure with that delay, then succeeds', async () => {
    simulator.addFault(TENANT, { kind: 'throttle', endpoint: 'graph', times: 1, retryAfterSeconds: 2 });
    const throttled = await failure(adapter.readOrganization(target));
    expect(throttled).toMatchObject({ kind: 'throttled', retryAfterMs: 2000, step: 'organization' });
    await expect(adapter.readOrganization(target)).resolves.toMatchObject({ id: TENANT });
  });

  it('maps 503, a slow answer, missing consent, a wrong secret and an unknown tenant', async () => {
    simulator.addFault(TENANT, { kind: 'unavailable', endpoint: 'token', times: 1, retryAfterSeconds: 5 });
    expect(await failure(adapter.readOrganization(target))).toMatchObject({ kind: 'unavailable', retryAfterMs: 5000, step: 'token' });

    simulator.addFault(TENANT, { kind: 'slow', endpoint: '/v1.0/organization', times: 1, delayMs: 3_000 });
    expect((await failure(adapter.readOrganization(target))).kind).toBe('timeout');

    expect((await failure(adapter.readOrganization({ ...target, clientSecret: 'wrong' }))).kind).toBe('credential_invalid');
    expect((await failure(adapter.readOrganization({ ...target, targetTenantId: 'bbbbbbbb-0000-4000-8000-000000000009' }))).kind).toBe('tenant_not_found');

    simulator.setTenant({ tenantId: TENANT, consentGranted: false });
    expect(await failure(adapter.readOrganization({ ...target }))).toMatchObject({ kind: 'consent_missing', providerCode: 'AADSTS65001' });
    // A token obtained before consent was revoked is refused by Graph: still consent missing.
    expect(await failure(adapter.readOrganization(target))).toMatchObject({ kind: 'consent_missing', providerCode: 'InvalidAuthenticationToken' });
  });

  it('reports a Graph 403 as a missing permission', async () => {
    simulator.addFault(TENANT, { kind: 'forbidden', endpoint: '/v1.0/servicePrincipals' });
    expect(await failure(adapter.readGrants(target))).toMatchObject({ kind: 'permission_missing', step: 'permissions' });
  });

  it('can be scripted over its own HTTP control API, like a standalone simulator', async () => {
    const put = await fetch(`${simulator.url}/_sim/tenants/${TENANT}`, { method: 'PUT', body: JSON.stringify({ displayName: 'Scripted' }) });
    expect(put.status).toBe(200);
    const fault = await fetch(`${simulator.url}/_sim/tenants/${TENANT}/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'throttle', endpoint: 'token', times: 1, retryAfterSeconds: 4 }),
    });
    expect(fault.status).toBe(201);
    expect(await failure(adapter.readOrganization(target))).toMatchObject({ kind: 'throttled', retryAfterMs: 4000, step: 'token' });
    await expect(adapter.readOrganization(target)).resolves.toEqual({ id: TENANT, displayName: 'Scripted' });
    const bad = await fetch(`${simulator.url}/_sim/tenants/${TENANT}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) });
    expect(bad.status).toBe(400);
    const badTenant = await fetch(`${simulator.url}/_sim/tenants/${TENANT}`, { method: 'PUT', body: JSON.stringify({ users: 'many' }) });
    expect(badTenant.status).toBe(400);
    const log = (await (await fetch(`${simulator.url}/_sim/requests?tenantId=${TENANT}`)).json()) as { requests: { status: number }[] };
    expect(log.requests.map((r) => r.status)).toEqual([429, 200, 200]);
  });
});
