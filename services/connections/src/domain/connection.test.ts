import { DomainError } from '@tenantatlas/core';
import { diffEdit, touchesIdentity, validClientId, validSecret, validTargetTenant, type Connection } from './connection';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? `${err.kind}:${err.code}` : 'not a DomainError';
  }
  return undefined;
}

describe('connection input rules', () => {
  it('accepts GUID client ids (normalised to lower case) and rejects others with a stable code', () => {
    expect(validClientId(' 0A1B2C3D-0000-4000-8000-000000000001 ')).toBe('0a1b2c3d-0000-4000-8000-000000000001');
    expect(codeOf(() => validClientId('not-a-guid'))).toBe('invalid_argument:CONNECTION.INVALID_CLIENT_ID');
  });

  it('accepts a tenant GUID or a domain as target tenant', () => {
    expect(validTargetTenant('contoso.onmicrosoft.com')).toBe('contoso.onmicrosoft.com');
    expect(codeOf(() => validTargetTenant('contoso'))).toBe('invalid_argument:CONNECTION.INVALID_TARGET_TENANT');
  });

  it('rejects an empty or oversized secret without quoting it', () => {
    expect(codeOf(() => validSecret(''))).toBe('invalid_argument:CONNECTION.INVALID_SECRET');
    const long = 'x'.repeat(1025);
    try {
      validSecret(long);
    } catch (err) {
      expect((err as Error).message).not.toContain('xxxx');
    }
  });

  it('finds which fields an edit changes and whether they identify the connection', () => {
    const current = { displayName: 'A', clientId: 'c1', targetTenantId: 't1', connectionType: 'application' } as Connection;
    expect(diffEdit(current, { displayName: 'A' })).toEqual({});
    expect(touchesIdentity(diffEdit(current, { displayName: 'B' }))).toBe(false);
    expect(touchesIdentity(diffEdit(current, { clientId: 'c2' }))).toBe(true);
  });
});
