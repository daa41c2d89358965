import { connectionTenantRefusal } from './tenant-standing';

describe('which tenants take a new connection', () => {
  it('refuses a tenant not in the workspace without echoing anything, and an archived one', () => {
    expect(connectionTenantRefusal(null)).toMatchObject({ kind: 'not_found', code: 'TENANT.NOT_FOUND', message: 'tenant not found', details: {} });
    expect(connectionTenantRefusal({ status: 'archived' })).toMatchObject({ kind: 'failed_precondition', code: 'TENANT.ARCHIVED' });
  });

  it('accepts draft and onboarding tenants (the wizard connects them) and active ones', () => {
    for (const status of ['draft', 'onboarding', 'active']) expect(connectionTenantRefusal({ status })).toBeNull();
  });
});
