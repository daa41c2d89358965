import type { Role, TenantScope } from './access';

/**
 * An invitation to join a workspace, as the inviter wrote it. The workspace only ever learns what
 * its members told it (e-mail, the name they gave, role, scope): whether the e-mail already has an
 * account somewhere is learned by nobody but the person who accepts.
 */
export interface Invitation {
  id: string;
  workspaceId: string;
  email: string;
  /** the name the inviter gave, not the account's */
  displayName: string | null;
  role: Role;
  tenantScope: TenantScope;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The invitation an e-mail currently has in a workspace: a new one replaces the earlier. */
export interface PendingInvitation {
  invitationId: string;
  tokenHash: string;
  expiresAt: Date;
}

export const tenantScopeOf = (tenantIds: string[] | null | undefined): TenantScope =>
  tenantIds ? { kind: 'some', tenantIds } : { kind: 'all' };

/**
 * A token opens its invitation while it is the e-mail's current one (not replaced by a newer one,
 * not yet used: the pending entry goes when it is accepted) and has not expired.
 */
export function invitationOpen(invitation: Invitation, pending: PendingInvitation | null, tokenHash: string, now: Date): boolean {
  if (!pending || pending.tokenHash !== tokenHash || pending.invitationId !== invitation.id) return false;
  return invitation.expiresAt.getTime() > now.getTime();
}
