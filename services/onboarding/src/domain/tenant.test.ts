import { applyTransition, archiveRefusal, assertCanOnboard, canTransition, OPERABILITY, operabilityOf, targetStatus, TENANT_STATUSES, type TenantEntity } from './tenant';

describe('tenant lifecycle and operability', () => {
  it('only an active tenant can run operations or be chosen as context; only archived can be restored', () => {
    expect(TENANT_STATUSES.filter((s) => OPERABILITY[s].canRunOperations)).toEqual(['active']);
    expect(TENANT_STATUSES.filter((s) => OPERABILITY[s].canSelectAsContext)).toEqual(['active']);
    expect(TENANT_STATUSES.filter((s) => OPERABILITY[s].canRestore)).toEqual(['archived']);
    expect(TENANT_STATUSES.filter((s) => OPERABILITY[s].canOnboard)).toEqual(['draft', 'onboarding']);
  });

  it.each([
    ['draft', 'start_onboarding', true],
    ['onboarding', 'start_onboarding', false],
    ['onboarding', 'activate', true],
    ['draft', 'activate', true],
    ['active', 'activate', false],
    ['active', 'archive', true],
    ['archived', 'archive', false],
    ['archived', 'restore', true],
    ['active', 'restore', false],
  ] as const)('%s --%s--> allowed: %s', (status, transition, allowed) => {
    expect(canTransition({ status }, transition)).toBe(allowed);
  });

  it('restore goes back to active only if the tenant was ever activated', () => {
    expect(targetStatus({ status: 'archived', activatedAt: new Date() }, 'restore')).toBe('active');
    expect(targetStatus({ status: 'archived', activatedAt: null }, 'restore')).toBe('draft');
  });

  it('refuses to onboard an active or archived tenant with a stable code', () => {
    expect(() => assertCanOnboard({ id: 't', status: 'active' })).toThrow(expect.objectContaining({ code: 'TENANT.ALREADY_ACTIVE', kind: 'already_exists' }));
    expect(() => assertCanOnboard({ id: 't', status: 'archived' })).toThrow(expect.objectContaining({ code: 'TENANT.ARCHIVED' }));
    expect(() => assertCanOnboard({ id: 't', status: 'onboarding' })).not.toThrow();
  });

  it('reports canArchive exactly when the archive action would be allowed', () => {
    for (const status of TENANT_STATUSES) {
      for (const openDraftId of [null, 'd-1']) {
        const tenant = { id: 't', status };
        expect(operabilityOf(tenant, openDraftId).canArchive).toBe(archiveRefusal(tenant, openDraftId) === null);
      }
    }
    expect(TENANT_STATUSES.filter((status) => operabilityOf({ id: 't', status }, null).canArchive)).toEqual(['draft', 'onboarding', 'active']);
    expect(TENANT_STATUSES.filter((status) => operabilityOf({ id: 't', status }, 'd-1').canArchive)).toEqual([]);
  });

  it('refuses to archive a tenant with an open draft with the 409 code naming the draft, before its status', () => {
    expect(archiveRefusal({ id: 't', status: 'onboarding' }, 'd-1')).toMatchObject({ code: 'TENANT.ONBOARDING_IN_PROGRESS', kind: 'already_exists', details: { draftId: 'd-1' } });
    expect(archiveRefusal({ id: 't', status: 'archived' }, null)).toMatchObject({ code: 'TENANT.TRANSITION_NOT_ALLOWED', kind: 'failed_precondition' });
    expect(operabilityOf({ id: 't', status: 'onboarding' }, 'd-1')).toMatchObject({ canOnboard: true, canEdit: true, canRunOperations: false });
  });

  it('a transition stamps its time and bumps the version; a stale version or a status that forbids it changes nothing', () => {
    const t0 = new Date('2026-01-01T10:00:00Z');
    const t1 = new Date('2026-01-02T10:00:00Z');
    const tenant = { id: 't', workspaceId: 'ws', externalTenantId: 'contoso.com', name: 'Contoso', primaryDomain: '' };
    const active: TenantEntity = { ...tenant, status: 'active', version: 3, createdBy: { kind: 'user', userId: 'u' }, createdAt: t0, updatedAt: t0, activatedAt: t0, archivedAt: null };
    const archived = applyTransition(active, 'archive', { status: 'archived', expectedVersion: 3, at: t1 });
    expect(archived).toMatchObject({ status: 'archived', version: 4, updatedAt: t1, archivedAt: t1, activatedAt: t0 });
    expect(applyTransition(archived!, 'restore', { status: 'active', at: t1 })).toMatchObject({ status: 'active', version: 5, archivedAt: null });
    expect(applyTransition(active, 'archive', { status: 'archived', expectedVersion: 2, at: t1 })).toBeNull();
    expect(applyTransition(active, 'activate', { status: 'active', at: t1 })).toBeNull();
  });
});
