import { invitationOpen, tenantScopeOf, type Invitation } from './invitations';

const now = new Date('2025-06-01T12:00:00Z');
const invitation: Invitation = {
  id: 'inv_1',
  workspaceId: 'ws_1',
  email: 'new@example.test',
  displayName: null,
  role: 'operator',
  tenantScope: { kind: 'all' },
  invitedBy: 'usr_owner',
  createdAt: new Date('2025-06-01T00:00:00Z'),
  expiresAt: new Date('2025-06-02T00:00:00Z'),
};
const pending = { invitationId: 'inv_1', tokenHash: 'hash-1', expiresAt: invitation.expiresAt };

describe('invitationOpen', () => {
  it('opens for the e-mail\'s current invitation before it expires', () => {
    expect(invitationOpen(invitation, pending, 'hash-1', now)).toBe(true);
  });

  it('stays shut once expired, used (no pending entry) or replaced by a newer invitation', () => {
    expect(invitationOpen(invitation, pending, 'hash-1', invitation.expiresAt)).toBe(false);
    expect(invitationOpen(invitation, null, 'hash-1', now)).toBe(false);
    expect(invitationOpen(invitation, { ...pending, invitationId: 'inv_2', tokenHash: 'hash-2' }, 'hash-1', now)).toBe(false);
    expect(invitationOpen(invitation, pending, 'hash-other', now)).toBe(false);
  });
});

describe('tenantScopeOf', () => {
  it('reads null or absent as every tenant and a list as those tenants', () => {
    expect(tenantScopeOf(null)).toEqual({ kind: 'all' });
    expect(tenantScopeOf(undefined)).toEqual({ kind: 'all' });
    expect(tenantScopeOf(['t1'])).toEqual({ kind: 'some', tenantIds: ['t1'] });
  });
});
