import { randomBytes, randomUUID } from 'node:crypto';
import { leavesWorkspaceWithoutOwner, memberOutOfReach, type Membership, type Role, type TenantScope } from '../domain/access';
import { gatewayError } from '../domain/errors';
import { tenantScopeOf, type Invitation } from '../domain/invitations';
import { sha256 } from './identity';
import { invitationEvent, membershipEvent } from './member-events';
import type { CurrentMember, IdentityStore, MemberView, User } from './ports';

export interface InviteMemberCommand {
  inviter: User;
  inviterRole: Role;
  inviterScope: TenantScope;
  workspaceId: string;
  /** validated and lower-cased */
  email: string;
  displayName?: string;
  role: Role;
  tenantIds?: string[] | null;
  /** where the UI is reached, e.g. https://atlas.example.com: the invitation link starts with it */
  uiOrigin: string;
}

export type InviteMemberResult =
  | { outcome: 'changed'; member: MemberView }
  | { outcome: 'invited'; member: MemberView; invitation: { token: string; url: string; expiresAt: string } };

/** Read in place of a membership when the e-mail has no account, so both cases cost the same reads. */
const NO_ACCOUNT = 'usr_none';
/** Changes decided on a version another change replaced meanwhile, before the caller is told to retry. */
const ATTEMPTS = 5;

/**
 * Adds someone to a workspace by e-mail. A member of this workspace has their role and scope
 * changed (the workspace knows its members); anyone else gets an invitation, and the answer is
 * the same whether or not the e-mail has an account anywhere: only the invitee learns that.
 */
export class InviteMemberUseCase {
  constructor(private readonly deps: { store: IdentityStore; invitationTtlMs: number }) {}

  async execute(command: InviteMemberCommand): Promise<InviteMemberResult> {
    // Nobody hands out more than they hold: only an owner makes owners.
    if (command.role === 'owner' && command.inviterRole !== 'owner') {
      throw gatewayError('MEMBER.ROLE_TOO_HIGH', 'only an owner can grant the owner role');
    }
    const account = await this.deps.store.findUserByEmail(command.email);
    const member = await this.deps.store.findMember(command.workspaceId, account?.id ?? NO_ACCOUNT);
    if (account && member) return { outcome: 'changed', member: await this.change(command, member) };
    return this.invite(command);
  }

  /**
   * Decides the change on the member's version as read and stores it as the next version; when a
   * concurrent change stored that version first, reads the member again and decides again (the
   * last-owner rule may now refuse it).
   */
  private async change(command: InviteMemberCommand, member: CurrentMember): Promise<MemberView> {
    let before: CurrentMember | null = member;
    for (let attempt = 0; attempt < ATTEMPTS && before; attempt++) {
      const after = await this.changeFrom(command, before);
      if (after) return after;
      before = await this.deps.store.findMember(command.workspaceId, member.userId);
    }
    throw gatewayError('MEMBER.CONFLICT', 'the member is being changed by someone else right now; try again', { userId: member.userId });
  }

  /** The member after the change, or null when `before` is no longer the newest version. */
  private async changeFrom(command: InviteMemberCommand, before: CurrentMember): Promise<MemberView | null> {
    const { workspaceId } = command;
    const outOfReach = memberOutOfReach({ role: command.inviterRole, tenantScope: command.inviterScope }, before);
    // no details: the member may be one this caller's member list does not show
    if (outOfReach === 'ROLE_TOO_HIGH') throw gatewayError('MEMBER.ROLE_TOO_HIGH', 'only an owner can change an owner');
    if (outOfReach === 'SCOPE_TOO_WIDE') throw gatewayError('MEMBER.SCOPE_TOO_WIDE', 'this member has tenants outside your scope: only a member over all of them can change it');
    const membership: Membership = { workspaceId, userId: before.userId, role: command.role, tenantScope: tenantScopeOf(command.tenantIds) };
    if (before.role === 'owner') {
      const members = (await this.deps.store.listMembers(workspaceId)).flatMap((m) => (m.userId ? [{ ...m, userId: m.userId, workspaceId }] : []));
      if (leavesWorkspaceWithoutOwner(members, membership)) {
        throw gatewayError('MEMBER.LAST_OWNER', 'the workspace needs an owner over all tenants: make someone else owner first', { userId: before.userId });
      }
    }
    const told = { email: command.email, displayName: command.displayName ?? before.displayName };
    const event = membershipEvent(command.inviter, membership, { ...before, workspaceId });
    if (!(await this.deps.store.changeMembership({ membership, told, replaces: before.version }, [event]))) return null;
    return { userId: before.userId, ...told, role: membership.role, tenantScope: membership.tenantScope, status: 'active' };
  }

  private async invite(command: InviteMemberCommand): Promise<InviteMemberResult> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = new Date();
    const invitation: Invitation = {
      id: `inv_${randomUUID()}`,
      workspaceId: command.workspaceId,
      email: command.email,
      displayName: command.displayName ?? null,
      role: command.role,
      tenantScope: tenantScopeOf(command.tenantIds),
      invitedBy: command.inviter.id,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + this.deps.invitationTtlMs),
    };
    await this.deps.store.createInvitation(invitation, sha256(token), [invitationEvent(command.inviter, invitation)]);
    const expiresAt = invitation.expiresAt.toISOString();
    return {
      outcome: 'invited',
      member: { userId: null, email: invitation.email, displayName: invitation.displayName, role: invitation.role, tenantScope: invitation.tenantScope, status: 'invited', expiresAt },
      // The token travels in the URL's fragment, which browsers never send to a server.
      invitation: { token, url: `${command.uiOrigin}/#/invitations/${token}`, expiresAt },
    };
  }
}
