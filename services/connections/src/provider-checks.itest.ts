import { randomBytes } from 'node:crypto';
import type { SimTenantConfig } from '@tenantatlas/provider-simulator';
import { guid, rejection, startHarness, USER, WORKER, waitForEvent, type Harness } from './testing/harness';

/**
 * CheckConnection / RefreshPermissions / SyncInventory through the real service process, its
 * Microsoft adapter and the provider simulator over HTTP: every simulated fault comes back as the
 * right status, reason code and retry-after, and the result is recorded and announced.
 */
const WS = 'ws-checks-itest';
const SECRET = `check-canary-${randomBytes(12).toString('hex')}`;

describe('provider checks through the connections service', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MICROSOFT_RECOMMENDED_APPLICATION_PERMISSIONS: 'DeviceManagementConfiguration.Read.All' });
  });
  afterAll(() => h?.stop());

  /** A simulated tenant with its own connection, so each case scripts its own faults. */
  async function connectionTo(tenant: Omit<SimTenantConfig, 'tenantId'>) {
    const targetTenantId = guid();
    h.simulator.setTenant({ tenantId: targetTenantId, clientSecret: SECRET, ...tenant });
    const { connection } = await h.client.CreateConnection({
      workspace_id: WS,
      actor: USER,
      tenant_id: await h.tenants.create(WS),
      display_name: 'Checked',
      client_id: guid(),
      target_tenant_id: targetTenantId,
      client_secret: SECRET,
    });
    return { id: connection!.id, targetTenantId };
  }

  const check = (connection_id: string) => h.client.CheckConnection({ workspace_id: WS, connection_id, actor: WORKER });

  it('reports a healthy tenant as healthy, records it and emits verified', async () => {
    const { id, targetTenantId } = await connectionTo({});
    const result = await check(id);
    expect(result).toMatchObject({ status: 'healthy', consent_status: 'granted', reason_code: '', retryable: false, retry_after_ms: 0, missing_permissions: [] });
    expect(result.checks.map((c) => `${c.key}:${c.status}`)).toEqual([
      'provider.token:pass', 'provider.consent:pass', 'provider.organization:pass', 'provider.permissions:pass',
    ]);
    expect(result.connection).toMatchObject({ verification_status: 'healthy', consent_status: 'granted', verification_stale: false });
    expect(result.connection!.last_verified_at).not.toBe('');
    expect(result.connection!.permissions).toMatchObject({ is_stale: false, missing_application_count: 0 });
    // The simulator received the decrypted secret: the credential round-trips through storage.
    expect(h.simulator.requests(targetTenantId).filter((r) => r.endpoint === 'token').every((r) => r.secretMatched)).toBe(true);
    const [verified] = await waitForEvent(h, id, 'verified');
    expect(verified!.data).toMatchObject({ outcome: 'healthy', reasonCode: null, after: { verificationStatus: 'healthy', consentStatus: 'granted' } });
    expect(verified!.actor).toEqual({ kind: 'system', component: 'operations-worker' });
    await waitForEvent(h, id, 'consent_changed');
  });

  it('first call 429 with Retry-After: 2, then 200: a retryable THROTTLED, then healthy', async () => {
    const { id, targetTenantId } = await connectionTo({});
    h.simulator.addFault(targetTenantId, { kind: 'throttle', times: 1, retryAfterSeconds: 2 });
    const throttled = await check(id);
    expect(throttled).toMatchObject({ status: 'error', reason_code: 'PROVIDER.THROTTLED', retryable: true, retry_after_ms: 2000 });
    expect(throttled.connection).toMatchObject({ verification_status: 'error', last_reason_code: 'PROVIDER.THROTTLED' });
    const retried = await check(id);
    expect(retried).toMatchObject({ status: 'healthy', reason_code: '' });
    const events = await waitForEvent(h, id, 'verified', 2);
    expect(events.map((e) => [e.data.outcome, e.data.reasonCode, e.data.retryAfterMs])).toEqual([
      ['error', 'PROVIDER.THROTTLED', 2000],
      ['healthy', null, 0],
    ]);
  });

  it.each([
    ['503 with Retry-After', { kind: 'unavailable', retryAfterSeconds: 7 }, { status: 'error', reason_code: 'PROVIDER.UNAVAILABLE', retryable: true, retry_after_ms: 7000 }],
    ['a Graph answer slower than the timeout', { kind: 'slow', endpoint: 'graph', delayMs: 3000 }, { status: 'error', reason_code: 'PROVIDER.TIMEOUT', retryable: true, retry_after_ms: 0 }],
    ['a Graph 403', { kind: 'forbidden', endpoint: '/v1.0/organization' }, { status: 'blocked', reason_code: 'PROVIDER.PERMISSION_MISSING', retryable: false }],
    ['consent missing at sign-in (AADSTS65001)', { kind: 'consent_missing', endpoint: 'token' }, { status: 'blocked', reason_code: 'PROVIDER.CONSENT_MISSING', consent_status: 'required' }],
    ['an unreachable sign-in (503 without Retry-After)', { kind: 'unavailable', endpoint: 'token' }, { status: 'error', reason_code: 'PROVIDER.UNAVAILABLE', retryable: true, retry_after_ms: 0 }],
  ] as const)('maps %s', async (_what, fault, expected) => {
    const { id, targetTenantId } = await connectionTo({});
    h.simulator.addFault(targetTenantId, { ...fault, times: 1 });
    expect(await check(id)).toMatchObject(expected);
  });

  it('maps missing consent to blocked CONSENT_MISSING and records consent as required', async () => {
    const { id } = await connectionTo({ consentGranted: false });
    const result = await check(id);
    expect(result).toMatchObject({ status: 'blocked', reason_code: 'PROVIDER.CONSENT_MISSING', consent_status: 'required', retryable: false });
    expect(result.connection).toMatchObject({ consent_status: 'required', verification_status: 'blocked' });
    const [consent] = await waitForEvent(h, id, 'consent_changed');
    expect(consent!.data).toMatchObject({ outcome: 'required', before: { consentStatus: 'unknown' } });
  });

  it('maps missing permissions to blocked (required) or degraded (recommended) with the list', async () => {
    const blocked = await connectionTo({ applicationPermissions: ['Organization.Read.All'] });
    expect(await check(blocked.id)).toMatchObject({
      status: 'blocked', reason_code: 'PROVIDER.PERMISSION_MISSING',
      missing_permissions: ['Directory.Read.All', 'DeviceManagementConfiguration.Read.All'],
    });
    const degraded = await connectionTo({ applicationPermissions: ['Organization.Read.All', 'Directory.Read.All'] });
    const result = await check(degraded.id);
    expect(result).toMatchObject({ status: 'degraded', reason_code: 'PROVIDER.PERMISSION_MISSING', missing_permissions: ['DeviceManagementConfiguration.Read.All'] });
    expect(result.connection!.permissions).toMatchObject({ missing_application: ['DeviceManagementConfiguration.Read.All'], missing_application_count: 1 });
  });

  it('maps a rejected secret to CREDENTIAL_INVALID and a disabled connection to a local block', async () => {
    const { id, targetTenantId } = await connectionTo({});
    h.simulator.setTenant({ tenantId: targetTenantId, clientSecret: 'the-provider-has-another-one' });
    expect(await check(id)).toMatchObject({ status: 'blocked', reason_code: 'PROVIDER.CREDENTIAL_INVALID' });
    await h.client.DisableConnection({ workspace_id: WS, actor: USER, connection_id: id });
    const before = h.simulator.requests(targetTenantId).length;
    expect(await check(id)).toMatchObject({ status: 'blocked', reason_code: 'CONNECTION.DISABLED' });
    expect(h.simulator.requests(targetTenantId)).toHaveLength(before);
  });

  it('marks a verification stale when an identifying field changes afterwards', async () => {
    const { id } = await connectionTo({});
    await check(id);
    const { connection } = await h.client.UpdateConnection({ workspace_id: WS, actor: USER, connection_id: id, client_id: guid() });
    expect(connection).toMatchObject({ verification_status: 'unknown', verification_stale: true });
    const [updated] = await waitForEvent(h, id, 'updated');
    expect(updated!.data).toMatchObject({ changedFields: ['clientId'], verificationStale: true });
    // What was answered is what is stored (the relay's concurrent outbox write did not undo it).
    const stored = await h.client.GetConnection({ workspace_id: WS, connection_id: id, tenant_id: '' });
    expect(stored.connection).toMatchObject({ client_id: connection!.client_id, verification_stale: true, version: connection!.version });
  });

  it('refreshes the permission posture', async () => {
    const { id } = await connectionTo({ applicationPermissions: ['Organization.Read.All', 'Directory.Read.All'], delegatedPermissions: [] });
    const result = await h.client.RefreshPermissions({ workspace_id: WS, connection_id: id, actor: WORKER });
    expect(result).toMatchObject({ status: 'degraded', reason_code: 'PROVIDER.PERMISSION_MISSING' });
    expect(result.permissions).toMatchObject({
      granted_application: ['Directory.Read.All', 'Organization.Read.All'],
      missing_application: ['DeviceManagementConfiguration.Read.All'],
      missing_delegated: ['User.Read'],
      missing_delegated_count: 1,
      is_stale: false,
    });
    await waitForEvent(h, id, 'permissions_refreshed');
  });

  it('syncs inventory page by page and turns throttling into RESOURCE_EXHAUSTED with retry-after', async () => {
    const { id, targetTenantId } = await connectionTo({ groups: 5 });
    const request = { workspace_id: WS, connection_id: id, actor: WORKER, resource: 'groups', page_size: 2 };
    const names: string[] = [];
    let token = '';
    do {
      const page = await h.client.SyncInventory({ ...request, page_token: token });
      names.push(...page.items.map((i) => i.display_name));
      token = page.next_page_token;
    } while (token);
    expect(names).toHaveLength(5);

    h.simulator.addFault(targetTenantId, { kind: 'throttle', endpoint: '/v1.0/groups', times: 1, retryAfterSeconds: 3 });
    const err = await rejection(h.client.SyncInventory({ ...request, page_token: '' }));
    expect({ kind: err.kind, code: err.code, details: err.details }).toEqual({
      kind: 'resource_exhausted', code: 'PROVIDER.THROTTLED', details: { retryable: true, retryAfterMs: 3000 },
    });
    const bad = await rejection(h.client.SyncInventory({ ...request, resource: 'printers', page_token: '' }));
    expect({ kind: bad.kind, code: bad.code }).toEqual({ kind: 'invalid_argument', code: 'CONNECTION.INVALID_RESOURCE' });
  });

  it('never let the secret out through responses, Kafka or logs while checking', async () => {
    const { id } = await connectionTo({});
    await check(id);
    await waitForEvent(h, id, 'verified');
    expect(h.messages.join('\n')).not.toContain(SECRET);
    expect(h.service.output()).not.toContain(SECRET);
    expect(h.service.output()).toContain('connection checked');
  });
});
