import { ALL_CAPABILITIES, capabilitiesOf, decideAccess, isCapability, leavesWorkspaceWithoutOwner, memberOutOfReach, membersSeenBy, ROLES, visibleTo, type Membership } from './access';

const member = (role: Membership['role'], tenantIds?: string[]): Membership => ({
  userId: 'u1',
  workspaceId: 'w1',
  role,
  tenantScope: tenantIds ? { kind: 'some', tenantIds } : { kind: 'all' },
});

describe('role → capability mapping', () => {
  it('gives owners every capability in the registry', () => {
    expect(capabilitiesOf('owner')).toEqual(ALL_CAPABILITIES);
  });

  it('keeps readonly to view capabilities only', () => {
    expect(capabilitiesOf('readonly')).toEqual(['tenant.view', 'connection.view', 'operations.view', 'audit.view']);
  });

  it('lets operators run onboarding but not override activation, export audit or manage members', () => {
    const operator = capabilitiesOf('operator');
    expect(operator).toEqual(expect.arrayContaining(['onboarding.manage', 'onboarding.activate', 'operations.start', 'connection.manage']));
    expect(operator).not.toContain('onboarding.activate.override');
    expect(operator).not.toContain('audit.export');
    expect(operator).not.toContain('workspace.manage');
  });

  it('orders roles from most to least privileged', () => {
    for (let i = 1; i < ROLES.length; i++) {
      const wider = new Set(capabilitiesOf(ROLES[i - 1]!));
      expect(capabilitiesOf(ROLES[i]!).every((c) => wider.has(c))).toBe(true);
      expect(capabilitiesOf(ROLES[i]!).length).toBeLessThan(wider.size);
    }
  });

  it('only knows registered capability names', () => {
    expect(isCapability('audit.export')).toBe(true);
    expect(isCapability('admin')).toBe(false);
    expect(isCapability('constructor')).toBe(false);
  });
});

describe('access decisions', () => {
  it('answers 404-style for a non-member whatever the capability', () => {
    expect(decideAccess(null, { capability: 'tenant.view' })).toEqual({ allowed: false, reason: 'NOT_A_MEMBER', visibleAs: 'not_found' });
  });

  it('answers 403-style for a member without the capability', () => {
    expect(decideAccess(member('readonly'), { capability: 'operations.start' })).toEqual({
      allowed: false,
      reason: 'CAPABILITY_MISSING',
      visibleAs: 'forbidden',
    });
  });

  it('hides tenants outside a limited member scope even when the capability is missing too', () => {
    const limited = member('readonly', ['t1']);
    expect(decideAccess(limited, { capability: 'operations.start', tenantId: 't2' })).toMatchObject({ visibleAs: 'not_found' });
    expect(decideAccess(limited, { capability: 'operations.view', tenantId: 't1' })).toEqual({ allowed: true });
  });

  it('filters lists to the member scope, keeping workspace-level items', () => {
    const items = [{ tenant: 't1' }, { tenant: 't2' }, { tenant: '' }];
    expect(visibleTo(member('operator', ['t1']), items, (i) => i.tenant)).toEqual([{ tenant: 't1' }, { tenant: '' }]);
    expect(visibleTo(member('operator'), items, (i) => i.tenant)).toHaveLength(3);
  });
});

describe('the last owner', () => {
  const m = (userId: string, role: Membership['role'], tenantScope: Membership['tenantScope'] = { kind: 'all' }): Membership => ({ userId, workspaceId: 'ws', role, tenantScope });

  it('cannot be demoted or narrowed while no other owner covers every tenant', () => {
    const members = [m('ada', 'owner'), m('bob', 'manager'), m('cy', 'owner', { kind: 'some', tenantIds: ['t1'] })];
    expect(leavesWorkspaceWithoutOwner(members, m('ada', 'manager'))).toBe(true);
    expect(leavesWorkspaceWithoutOwner(members, m('ada', 'owner', { kind: 'some', tenantIds: ['t1'] }))).toBe(true);
  });

  it('can step down once another owner covers every tenant, and others change freely', () => {
    const members = [m('ada', 'owner'), m('bob', 'owner')];
    expect(leavesWorkspaceWithoutOwner(members, m('ada', 'readonly'))).toBe(false);
    expect(leavesWorkspaceWithoutOwner([m('ada', 'owner'), m('bob', 'manager')], m('bob', 'readonly'))).toBe(false);
    expect(leavesWorkspaceWithoutOwner([m('ada', 'owner')], m('new', 'operator'))).toBe(false);
  });
});

describe('who may change a member', () => {
  it('lets only an owner change an owner', () => {
    expect(memberOutOfReach(member('manager'), member('owner'))).toBe('ROLE_TOO_HIGH');
    expect(memberOutOfReach(member('owner', ['t1']), member('owner', ['t1']))).toBeNull();
    expect(memberOutOfReach(member('owner'), member('owner'))).toBeNull();
    expect(memberOutOfReach(member('manager'), member('operator'))).toBeNull();
  });

  it('lets a member limited to some tenants change only members within them', () => {
    expect(memberOutOfReach(member('manager', ['t1']), member('operator'))).toBe('SCOPE_TOO_WIDE');
    expect(memberOutOfReach(member('manager', ['t1']), member('operator', ['t1', 't2']))).toBe('SCOPE_TOO_WIDE');
    expect(memberOutOfReach(member('manager', ['t1', 't2']), member('operator', ['t2']))).toBeNull();
    expect(memberOutOfReach(member('manager'), member('operator', ['t9']))).toBeNull();
  });
});

describe('the member list a member sees', () => {
  it('shows a limited member those sharing a tenant with it, with only the shared tenants, and those over all tenants', () => {
    const members = [member('owner'), member('operator', ['t1', 't2']), member('readonly', ['t3'])];
    expect(membersSeenBy(member('manager', ['t2', 't3']), members).map((m) => m.tenantScope)).toEqual([
      { kind: 'all' },
      { kind: 'some', tenantIds: ['t2'] },
      { kind: 'some', tenantIds: ['t3'] },
    ]);
    expect(membersSeenBy(member('manager', ['t9']), members).map((m) => m.role)).toEqual(['owner']);
    expect(membersSeenBy(member('manager'), members)).toEqual(members);
  });
});
