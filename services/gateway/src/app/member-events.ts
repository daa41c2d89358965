import { createEvent, type EventEnvelope } from '@tenantatlas/kafka';
import type { Membership, TenantScope } from '../domain/access';
import type { Invitation } from '../domain/invitations';
import { SOURCE } from './identity';
import type { User } from './ports';

function scopeSummary(scope: TenantScope): string {
  return scope.kind === 'all' ? 'all' : scope.tenantIds.join(',');
}

/** A membership granted (accepting an invitation) or changed (role, scope): never a token or password. */
export function membershipEvent(actor: User, after: Membership, before: Membership | null, invitation?: Invitation): EventEnvelope {
  return createEvent({
    type: before ? 'tenantatlas.gateway.membership.updated' : 'tenantatlas.gateway.membership.granted',
    source: SOURCE,
    subject: `membership/${after.userId}`,
    workspaceId: after.workspaceId,
    actor: { kind: 'user', userId: actor.id },
    data: {
      ...(before ? { before: { role: before.role, tenants: scopeSummary(before.tenantScope) } } : {}),
      after: { role: after.role, tenants: scopeSummary(after.tenantScope) },
      ...(invitation ? { invitationId: invitation.id, invitedBy: invitation.invitedBy } : {}),
    },
  });
}

/** An invitation made (or renewed): who was invited, as what — the token stays with the inviter's answer. */
export function invitationEvent(inviter: User, invitation: Invitation): EventEnvelope {
  return createEvent({
    type: 'tenantatlas.gateway.invitation.created',
    source: SOURCE,
    subject: `invitation/${invitation.id}`,
    workspaceId: invitation.workspaceId,
    actor: { kind: 'user', userId: inviter.id },
    data: {
      after: { email: invitation.email, role: invitation.role, tenants: scopeSummary(invitation.tenantScope), expiresAt: invitation.expiresAt.toISOString() },
    },
  });
}
