import { randomBytes } from 'node:crypto';
import { guid, rejection, startHarness, USER, waitForEvent, type Harness } from './testing/harness';

/**
 * The connections service as a real process against Kafka, FerretDB and the provider simulator:
 * secrets stay inside, the default is unique per tenant, input and isolation errors are clean.
 */
const WS = 'ws-connections-itest';
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const ROTATED_CANARY = `rotated-${randomBytes(12).toString('hex')}`;

describe('connections service', () => {
  let h: Harness;
  const responses: unknown[] = [];
  const remember = <T>(response: T): T => (responses.push(response), response);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.stop());

  /** Without a tenant_id, for a new tenant of WS (onboarding's, as every connection's tenant is). */
  const create = async (fields: Record<string, unknown> = {}) =>
    h.client
      .CreateConnection({
        workspace_id: WS,
        actor: USER,
        tenant_id: 'tenant_id' in fields ? '' : await h.tenants.create(WS),
        display_name: 'Contoso Graph',
        client_id: guid(),
        target_tenant_id: guid(),
        client_secret: CANARY,
        ...fields,
      })
      .then(remember);

  it('creates a connection whose responses carry only has_credential, never the secret', async () => {
    const { connection } = await create();
    expect(connection).toMatchObject({
      workspace_id: WS,
      provider: 'microsoft',
      connection_type: 'application',
      is_default: true,
      enabled: true,
      consent_status: 'unknown',
      verification_status: 'unknown',
      has_credential: true,
      has_secret: true,
      credential_key_id: h.keyId,
    });
    expect(connection!.credential_rotated_at).not.toBe('');
    const got = remember(await h.client.GetConnection({ workspace_id: WS, connection_id: connection!.id }));
    expect(got.connection).toEqual(connection);
    expect(JSON.stringify([connection, got])).not.toContain(CANARY);
    const created = await waitForEvent(h, connection!.id, 'created');
    expect(created[0]!.data).toMatchObject({ after: { hasCredential: true, isDefault: true } });
  });

  it('stores ciphertext sealed with the configured key, not the secret', async () => {
    const { connection } = await create();
    const doc = await h.mongo.collection('connections').findOne({ _id: connection!.id as never });
    expect(doc?.body?.credential).toMatchObject({ alg: 'A256GCM', keyId: h.keyId, ciphertext: expect.any(String), iv: expect.any(String), tag: expect.any(String) });
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain(CANARY);
    expect(stored).not.toContain(Buffer.from(CANARY).toString('base64'));
  });

  it('lets a tenant have at most one default: rejected on create and by the database itself', async () => {
    const tenantId = await h.tenants.create(WS);
    const first = (await create({ tenant_id: tenantId })).connection!;
    const second = (await create({ tenant_id: tenantId })).connection!;
    expect([first.is_default, second.is_default]).toEqual([true, false]);
    const err = await rejection(create({ tenant_id: tenantId, make_default: true }));
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'already_exists', code: 'CONNECTION.DEFAULT_EXISTS' });

    // Bypass the service: the database alone refuses a second holder of the tenant's first default.
    const defaults = h.mongo.collection('connection_defaults');
    const taken = await defaults.findOne({ _id: `${WS}:${tenantId}:1` as never });
    expect(taken?.body).toMatchObject({ connectionId: first.id });
    await expect(defaults.insertOne({ ...taken, body: { ...taken!.body, connectionId: second.id } } as never)).rejects.toMatchObject({ code: 11000 });
  });

  it('keeps exactly one default under concurrent SetDefault calls', async () => {
    const tenantId = await h.tenants.create(WS);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ tenant_id: tenantId, display_name: `c${i}` })).connection!.id);
    const calls = [...ids, ...ids].map((connection_id) =>
      h.client.SetDefaultConnection({ workspace_id: WS, actor: USER, connection_id }).then(remember, (e: unknown) => e),
    );
    const results = await Promise.all(calls);
    const failures = results.filter((r) => r instanceof Error) as { code?: string }[];
    // A call may lose the race and say so (conflict); it never leaves two defaults behind.
    expect(failures.map((f) => `${f.code}: ${String(f)}`)).toEqual(failures.map(() => expect.stringMatching(/^CONNECTION.CONFLICT/)));
    const listed = await h.client.ListConnections({ workspace_id: WS, tenant_id: tenantId, page: { page_size: 10, page_token: '' } });
    expect(listed.connections.filter((c) => c.is_default)).toHaveLength(1);
    expect(listed.connections).toHaveLength(5);
  });

  it('makes exactly one of several concurrent first connections the default', async () => {
    const tenantId = await h.tenants.create(WS);
    const created = await Promise.all(Array.from({ length: 6 }, () => create({ tenant_id: tenantId })));
    expect(created.filter((r) => r.connection!.is_default)).toHaveLength(1);
    const listed = await h.client.ListConnections({ workspace_id: WS, tenant_id: tenantId, page: { page_size: 10, page_token: '' } });
    expect(listed.connections.filter((c) => c.is_default).map((c) => c.id)).toEqual(created.filter((r) => r.connection!.is_default).map((r) => r.connection!.id));
  });

  it('lists a tenant’s connections in creation order, page by page', async () => {
    const tenantId = await h.tenants.create(WS);
    const names = ['first', 'second', 'third'];
    for (const display_name of names) await create({ tenant_id: tenantId, display_name });
    const first = await h.client.ListConnections({ workspace_id: WS, tenant_id: tenantId, page: { page_size: 2, page_token: '' } });
    expect(first.next_page_token).not.toBe('');
    const second = await h.client.ListConnections({ workspace_id: WS, tenant_id: tenantId, page: { page_size: 2, page_token: first.next_page_token } });
    expect(second.next_page_token).toBe('');
    expect([...first.connections, ...second.connections].map((c) => c.display_name)).toEqual(names);
  });

  it('does not let a disabled connection become the default', async () => {
    const tenantId = await h.tenants.create(WS);
    await create({ tenant_id: tenantId });
    const other = (await create({ tenant_id: tenantId })).connection!;
    const disabled = remember(await h.client.DisableConnection({ workspace_id: WS, actor: USER, connection_id: other.id }));
    expect(disabled.connection?.enabled).toBe(false);
    const err = await rejection(h.client.SetDefaultConnection({ workspace_id: WS, actor: USER, connection_id: other.id }));
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'failed_precondition', code: 'CONNECTION.DISABLED' });
    await waitForEvent(h, other.id, 'disabled');
  });

  it('creates a connection only for a tenant of its workspace that is not archived, refusing the others alike', async () => {
    const foreign = await h.tenants.create('ws-someone-else');
    const archived = await h.tenants.create(WS);
    await h.tenants.archive(WS, archived);
    const body = (err: { kind: string; code: string; message: string; details: unknown }) => ({ kind: err.kind, code: err.code, message: err.message, details: err.details });
    const [otherWorkspace, random] = await Promise.all([foreign, guid()].map((tenant_id) => rejection(create({ tenant_id }))));
    // the same answer for another workspace's tenant and an id that never existed: no existence oracle
    expect(body(otherWorkspace!)).toEqual({ kind: 'not_found', code: 'TENANT.NOT_FOUND', message: 'tenant not found', details: {} });
    expect(body(random!)).toEqual(body(otherWorkspace!));
    expect(body(await rejection(create({ tenant_id: archived })))).toMatchObject({ kind: 'failed_precondition', code: 'TENANT.ARCHIVED' });
    expect(await h.mongo.collection('connections').countDocuments({ tenantId: { $in: [foreign, archived] } })).toBe(0);
  });

  it.each([
    ['a client id that is not a GUID', { client_id: 'app' }, 'CONNECTION.INVALID_CLIENT_ID'],
    ['a target tenant that is neither GUID nor domain', { target_tenant_id: 'nope' }, 'CONNECTION.INVALID_TARGET_TENANT'],
    ['an unknown provider', { provider: 'okta' }, 'CONNECTION.INVALID_PROVIDER'],
    ['an unknown connection type', { connection_type: 'magic' }, 'CONNECTION.INVALID_CONNECTION_TYPE'],
    ['no tenant', { tenant_id: '' }, 'CONNECTION.TENANT_REQUIRED'],
    ['no display name', { display_name: ' ' }, 'CONNECTION.INVALID_DISPLAY_NAME'],
    ['no actor', { actor: null }, 'CONNECTION.ACTOR_REQUIRED'],
  ])('rejects %s with INVALID_ARGUMENT and a stable code', async (_what, fields, code) => {
    const err = await rejection(create(fields));
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'invalid_argument', code });
    expect(err.message).not.toMatch(/at .*\.js:\d+/);
  });

  it('rejects bad consent results, page tokens and empty secrets with stable codes', async () => {
    const { connection } = await create();
    const consent = await rejection(h.client.RecordConsentResult({ workspace_id: WS, actor: USER, connection_id: connection!.id, consent_status: 'maybe' }));
    expect(consent.code).toBe('CONNECTION.INVALID_CONSENT_STATUS');
    const page = await rejection(h.client.ListConnections({ workspace_id: WS, tenant_id: '', page: { page_size: 5, page_token: 'garbage' } }));
    expect({ kind: page.kind, code: page.code }).toEqual({ kind: 'invalid_argument', code: 'CONNECTION.INVALID_PAGE_TOKEN' });
    const secret = await rejection(h.client.RotateCredential({ workspace_id: WS, actor: USER, connection_id: connection!.id, client_secret: '' }));
    expect(secret.code).toBe('CONNECTION.INVALID_SECRET');
  });

  it('answers NOT_FOUND for another workspace’s (or tenant’s) connection, and changes nothing', async () => {
    const { connection } = await create();
    const id = connection!.id;
    const other = { workspace_id: 'ws-someone-else', actor: USER, connection_id: id };
    const calls = [
      h.client.GetConnection({ workspace_id: 'ws-someone-else', connection_id: id, tenant_id: '' }),
      h.client.GetConnection({ workspace_id: WS, connection_id: id, tenant_id: 'another-tenant' }),
      h.client.UpdateConnection({ ...other, display_name: 'hijacked' }),
      h.client.RotateCredential({ ...other, client_secret: 'x' }),
      h.client.SetDefaultConnection(other),
      h.client.DisableConnection(other),
      h.client.CheckConnection({ workspace_id: 'ws-someone-else', connection_id: id, actor: USER }),
      h.client.DisableConnection({ workspace_id: WS, actor: USER, connection_id: id, tenant_id: 'another-tenant' }),
      h.client.CheckConnection({ workspace_id: WS, connection_id: id, actor: USER, tenant_id: 'another-tenant' }),
    ];
    for (const call of calls) {
      const err = await rejection(call);
      expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'not_found', code: 'CONNECTION.NOT_FOUND' });
    }
    const after = await h.client.GetConnection({ workspace_id: WS, connection_id: id, tenant_id: '' });
    expect(after.connection).toMatchObject({ display_name: 'Contoso Graph', enabled: true, version: 1 });
    const listed = await h.client.ListConnections({ workspace_id: 'ws-someone-else', tenant_id: '', page: null });
    expect(listed.connections).toEqual([]);
  });

  it('updates non-secret fields and rotates the secret, with events that carry no secret', async () => {
    const { connection } = await create();
    const id = connection!.id;
    const updated = remember(await h.client.UpdateConnection({ workspace_id: WS, actor: USER, connection_id: id, display_name: 'Renamed' }));
    expect(updated.connection).toMatchObject({ display_name: 'Renamed', version: 2 });
    const rotated = remember(await h.client.RotateCredential({ workspace_id: WS, actor: USER, connection_id: id, client_secret: ROTATED_CANARY }));
    expect(rotated.connection).toMatchObject({ has_credential: true, credential_key_id: h.keyId, version: 3 });
    expect(rotated.connection!.credential_rotated_at > connection!.credential_rotated_at).toBe(true);
    const [event] = await waitForEvent(h, id, 'updated');
    expect(event!.data).toMatchObject({ changedFields: ['displayName'], before: { displayName: 'Contoso Graph' }, after: { displayName: 'Renamed' } });
    expect(event!.actor).toEqual({ kind: 'user', userId: 'user-1', displayName: 'Operator One' });
    await waitForEvent(h, id, 'credential_rotated');
    const stored = await h.client.GetConnection({ workspace_id: WS, connection_id: id, tenant_id: '' });
    expect(stored.connection).toEqual(rotated.connection);
  });

  it('never lets a secret out: not in responses, Kafka messages or the process output', async () => {
    const created = (await create()).connection!;
    await waitForEvent(h, created.id, 'created');
    const everything = [JSON.stringify(responses), h.messages.join('\n'), h.service.output()];
    for (const text of everything) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(ROTATED_CANARY);
    }
    expect(h.messages.length).toBeGreaterThan(10);
    expect(h.service.output()).toContain('connections ready');
    // Races on the default were all answered as domain outcomes, none as INTERNAL.
    expect(h.service.output()).not.toContain('unhandled error');
  });
});
