import { createHash } from 'node:crypto';
import type { EventConsumer, EventEnvelope } from '@tenantatlas/kafka';
import { startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { GatewayClient } from './testing/gateway-client';
import { followSecurityEvents } from './testing/security-events';

const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const ACCOUNT = { email: 'has-account@example.test', password: 'account-pass-1', name: 'Name On The Account' };

type Answer = Awaited<ReturnType<GatewayClient['request']>>;
const after = (event: EventEnvelope) => (event.data.after ?? {}) as Record<string, unknown>;

/** What an inviter learns from an invitation answer, with the one-time values and the e-mail taken out. */
function comparable(res: Answer) {
  const { email: _email, expiresAt: _expires, invitation, ...member } = res.json;
  return { status: res.status, contentType: res.headers.get('content-type'), member, invitationFields: Object.keys(invitation ?? {}).sort() };
}

describe('membership by invitation (gateway as a process)', () => {
  const infra = testInfra();
  const prefix = `${uniqueName('gw-inv')}.`;
  let gateway: ServiceProcess;
  let consumer: EventConsumer;
  const published: EventEnvelope[] = [];
  /** every invitation token handed out here: none may show up in a log line or a Kafka message */
  const tokens: string[] = [];
  let base: string;
  let admin: GatewayClient;
  let ws: string;

  const invite = async (client: GatewayClient, workspaceId: string, body: Record<string, unknown>) => {
    const res = await client.post(`/api/workspaces/${workspaceId}/members`, body);
    if (res.json?.invitation?.token) tokens.push(res.json.invitation.token as string);
    return res;
  };
  const accept = (token: string, body: Record<string, unknown>) => new GatewayClient(base).request('POST', '/api/invitations/accept', { token, ...body });

  beforeAll(async () => {
    gateway = await startService('gateway', {
      env: {
        MONGO_DB: uniqueName('gateway'),
        KAFKA_TOPIC_PREFIX: prefix,
        GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email,
        GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password,
        SIGN_IN_RATE_LIMIT_PER_MINUTE: '200',
      },
      portVariable: 'HTTP_PORT',
      readiness: { httpPath: '/readyz' },
    });
    base = `http://${gateway.address}`;
    consumer = await followSecurityEvents(infra.kafkaBrokers, prefix, published);
    admin = await new GatewayClient(base).login(ADMIN.email, ADMIN.password);
    ws = (await admin.get('/api/me')).json.workspaces[0].id as string;
    // An account that exists elsewhere: its owner made it by accepting into a workspace of their own.
    const elsewhere = (await admin.post('/api/workspaces', { name: 'Elsewhere' })).json.id as string;
    const created = await invite(admin, elsewhere, { email: ACCOUNT.email, role: 'readonly' });
    expect((await accept(created.json.invitation.token, { password: ACCOUNT.password, displayName: ACCOUNT.name })).status).toBe(200);
  });

  afterAll(async () => {
    await consumer?.stop();
    await gateway?.stop();
  });

  it('answers an invitation the same whether or not the e-mail has an account', async () => {
    const body = { role: 'operator', displayName: 'Told Name', tenantIds: ['tenant-1'] };
    const withAccount = await invite(admin, ws, { ...body, email: ACCOUNT.email });
    const without = await invite(admin, ws, { ...body, email: 'No-Account@Example.test' });
    expect(comparable(withAccount)).toEqual(comparable(without));
    expect(comparable(without)).toEqual({
      status: 201,
      contentType: expect.stringMatching(/^application\/json/),
      member: { userId: null, displayName: 'Told Name', role: 'operator', tenantScope: { kind: 'some', tenantIds: ['tenant-1'] }, status: 'invited' },
      invitationFields: ['expiresAt', 'token', 'url'],
    });
    expect(without.json.email).toBe('no-account@example.test');
    expect(without.json.invitation.url).toBe(`${base}/#/invitations/${without.json.invitation.token}`);
    expect(Date.parse(without.json.invitation.expiresAt)).toBeGreaterThan(Date.now());
    expect(withAccount.text).not.toContain(ACCOUNT.name);
  });

  it('creates the account of an e-mail without one, signed in and a member', async () => {
    const { token } = (await invite(admin, ws, { email: 'fresh@example.test', role: 'operator' })).json.invitation;
    const res = await accept(token, { password: 'fresh-pass-1', displayName: 'Fresh' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ user: { email: 'fresh@example.test', displayName: 'Fresh' }, csrfToken: expect.any(String), workspace: { id: ws } });
    expect(res.headers.get('set-cookie')).toMatch(/^ta_session=.+HttpOnly/i);
    const fresh = await new GatewayClient(base).login('fresh@example.test', 'fresh-pass-1');
    expect((await fresh.get('/api/me')).json.workspaces).toEqual([expect.objectContaining({ id: ws, role: 'operator' })]);
  });

  it('joins an existing account only with its own password; a wrong one is 401 and joins nothing', async () => {
    const { token } = (await invite(admin, ws, { email: ACCOUNT.email, role: 'readonly', displayName: 'Told Name' })).json.invitation;
    const wrong = await accept(token, { password: 'not-the-password' });
    expect([wrong.status, wrong.json.code]).toEqual([401, 'AUTH.INVALID_CREDENTIALS']);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const account = await new GatewayClient(base).login(ACCOUNT.email, ACCOUNT.password);
    expect((await account.get('/api/me')).json.workspaces.map((w: { id: string }) => w.id)).not.toContain(ws);

    const right = await accept(token, { password: ACCOUNT.password, displayName: 'Ignored For An Existing Account' });
    expect(right.status).toBe(200);
    expect(right.json.user).toMatchObject({ id: account.userId, displayName: ACCOUNT.name });
    expect((await account.get('/api/me')).json.workspaces).toEqual(expect.arrayContaining([expect.objectContaining({ id: ws, role: 'readonly' })]));
    // the account's password is still its own
    await new GatewayClient(base).login(ACCOUNT.email, ACCOUNT.password);
  });

  it('lists what the workspace was told: the inviter\'s name, role, scope and status, never the account\'s name', async () => {
    const pending = await invite(admin, ws, { email: 'pending@example.test', role: 'manager' });
    expect(pending.status).toBe(201);
    const list = await admin.get(`/api/workspaces/${ws}/members`);
    expect(list.status).toBe(200);
    const byEmail = Object.fromEntries(list.json.members.map((m: { email: string }) => [m.email, m]));
    expect(byEmail[ACCOUNT.email]).toEqual({ userId: expect.any(String), email: ACCOUNT.email, displayName: 'Told Name', role: 'readonly', tenantScope: { kind: 'all' }, status: 'active', expiresAt: null });
    expect(byEmail['pending@example.test']).toEqual({
      userId: null,
      email: 'pending@example.test',
      displayName: null,
      role: 'manager',
      tenantScope: { kind: 'all' },
      status: 'invited',
      expiresAt: pending.json.expiresAt,
    });
    expect(byEmail[ADMIN.email]).toMatchObject({ role: 'owner', status: 'active' });
    expect(list.text).not.toContain(ACCOUNT.name);
    expect(list.text).not.toContain(pending.json.invitation.token);
  });

  it('lets a token work once: used, unknown and replaced tokens all get the same 404', async () => {
    const first = (await invite(admin, ws, { email: 'once@example.test', role: 'operator' })).json.invitation.token as string;
    const renewed = (await invite(admin, ws, { email: 'once@example.test', role: 'operator' })).json.invitation.token as string;
    const replaced = await accept(first, { password: 'once-pass-1' });
    expect([replaced.status, replaced.json.code]).toEqual([404, 'INVITATION.NOT_FOUND']);
    // Two tabs accept at once: exactly one joins.
    const both = await Promise.all([accept(renewed, { password: 'once-pass-1' }), accept(renewed, { password: 'once-pass-1' })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 404]);
    const again = await accept(renewed, { password: 'once-pass-1' });
    const unknown = await accept('x'.repeat(43), { password: 'once-pass-1' });
    expect(again.json).toEqual(replaced.json);
    expect(unknown.json).toEqual(replaced.json);
    expect([again.status, unknown.status]).toEqual([404, 404]);
    expect(JSON.stringify(replaced.json)).not.toContain('once@example.test');
  });

  it('changes role and scope of a member of this workspace (200, as told), and keeps the role and scope rules', async () => {
    const changed = await invite(admin, ws, { email: 'fresh@example.test', role: 'readonly', displayName: 'Renamed' });
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({
      userId: expect.any(String),
      email: 'fresh@example.test',
      displayName: 'Renamed',
      role: 'readonly',
      tenantScope: { kind: 'all' },
      status: 'active',
      expiresAt: null,
      invitation: null,
    });
    const readonly = await admin.addMember(ws, { email: 'viewer@example.test', role: 'readonly' }, 'viewer-pass-1');
    const refused = await invite(readonly, ws, { email: 'someone@example.test', role: 'readonly' });
    expect([refused.status, refused.json.code]).toEqual([403, 'ACCESS.CAPABILITY_MISSING']);
    const manager = await admin.addMember(ws, { email: 'manager@example.test', role: 'manager' }, 'manager-pass-1');
    const tooHigh = await invite(manager, ws, { email: 'someone@example.test', role: 'owner' });
    expect([tooHigh.status, tooHigh.json.code]).toEqual([403, 'MEMBER.ROLE_TOO_HIGH']);
    // A manager limited to some tenants grants only those tenants.
    const limited = await admin.addMember(ws, { email: 'limited-manager@example.test', role: 'manager', tenantIds: ['tenant-1'] }, 'limited-pass-1');
    const allTenants = await invite(limited, ws, { email: 'someone@example.test', role: 'readonly' });
    expect([allTenants.status, allTenants.json.code]).toEqual([400, 'REQUEST.TENANT_REQUIRED']);
    const otherTenant = await invite(limited, ws, { email: 'someone@example.test', role: 'readonly', tenantIds: ['tenant-1', 'tenant-2'] });
    expect([otherTenant.status, otherTenant.json.code]).toEqual([404, 'TENANT.NOT_FOUND']);
    expect(otherTenant.text).not.toContain('tenant-2');
    expect((await invite(limited, ws, { email: 'someone@example.test', role: 'readonly', tenantIds: ['tenant-1'] })).status).toBe(201);
    // Nobody takes away more than they could give: a manager does not change an owner, nor a
    // limited manager a member with tenants beyond its own.
    const demoteOwner = await invite(manager, ws, { email: ADMIN.email, role: 'readonly' });
    expect([demoteOwner.status, demoteOwner.json.code]).toEqual([403, 'MEMBER.ROLE_TOO_HIGH']);
    const narrowWider = await invite(limited, ws, { email: 'fresh@example.test', role: 'readonly', tenantIds: ['tenant-1'] });
    expect([narrowWider.status, narrowWider.json.code]).toEqual([403, 'MEMBER.SCOPE_TOO_WIDE']);
    await invite(admin, ws, { email: 'viewer@example.test', role: 'readonly', tenantIds: ['tenant-1'] });
    const changedWithin = await invite(limited, ws, { email: 'viewer@example.test', role: 'operator', tenantIds: ['tenant-1'] });
    expect([changedWithin.status, changedWithin.json.role]).toEqual([200, 'operator']);
    expect((await admin.get(`/api/workspaces/${ws}/members`)).json.members.find((m: { email: string }) => m.email === ADMIN.email).role).toBe('owner');
    // a limited manager's member list names no tenant beyond its own
    expect((await invite(admin, ws, { email: 'both@example.test', role: 'readonly', tenantIds: ['tenant-1', 'tenant-2'] })).status).toBe(201);
    expect((await invite(admin, ws, { email: 'elsewhere@example.test', role: 'readonly', tenantIds: ['tenant-3'] })).status).toBe(201);
    const seenByLimited = (await limited.get(`/api/workspaces/${ws}/members`)).json.members as { email: string; tenantScope: { kind: string; tenantIds?: string[] } }[];
    const scopeOf = (email: string) => seenByLimited.find((m) => m.email === email)?.tenantScope;
    expect([scopeOf('both@example.test'), scopeOf('viewer@example.test'), scopeOf(ADMIN.email)]).toEqual([
      { kind: 'some', tenantIds: ['tenant-1'] },
      { kind: 'some', tenantIds: ['tenant-1'] },
      { kind: 'all' },
    ]);
    expect(scopeOf('elsewhere@example.test')).toBeUndefined();
    expect(JSON.stringify(seenByLimited)).not.toMatch(/tenant-2|tenant-3/);
    const lastOwner = await invite(admin, ws, { email: ADMIN.email, role: 'manager' });
    expect([lastOwner.status, lastOwner.json.code]).toEqual([409, 'MEMBER.LAST_OWNER']);
    const noPassword = await accept((await invite(admin, ws, { email: 'later@example.test', role: 'readonly' })).json.invitation.token, {});
    expect([noPassword.status, noPassword.json.code, noPassword.json.details]).toEqual([401, 'AUTH.UNAUTHENTICATED', { field: 'body.password' }]);
  });

  it('records invitations and joins as events without the token, and logs no token', async () => {
    const granted = await waitFor(() => published.find((e) => e.type === 'tenantatlas.gateway.membership.granted' && e.data.invitationId !== undefined && e.workspaceId === ws));
    expect(granted).toMatchObject({ subject: expect.stringMatching(/^membership\/usr_/), actor: { kind: 'user' }, data: { after: { role: expect.any(String) }, invitedBy: admin.userId } });
    const invited = await waitFor(() => published.find((e) => e.type === 'tenantatlas.gateway.invitation.created' && after(e).email === 'pending@example.test'));
    expect(invited).toMatchObject({ workspaceId: ws, subject: expect.stringMatching(/^invitation\/inv_/), actor: { kind: 'user', userId: admin.userId }, data: { after: { role: 'manager', tenants: 'all' } } });
    await waitFor(() => published.some((e) => e.type === 'tenantatlas.gateway.membership.updated' && after(e).role === 'readonly'));

    expect(tokens.length).toBeGreaterThan(8);
    const needles = tokens.flatMap((t) => [t, createHash('sha256').update(t).digest('hex')]);
    const messages = published.map((e) => JSON.stringify(e));
    expect(needles.filter((n) => messages.some((m) => m.includes(n)))).toEqual([]);
    expect(needles.filter((n) => gateway.output().includes(n))).toEqual([]);
    expect(gateway.output()).not.toContain(ACCOUNT.password);
  });
});
