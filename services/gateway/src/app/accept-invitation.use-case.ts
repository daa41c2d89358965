import type { Membership } from '../domain/access';
import { gatewayError } from '../domain/errors';
import { invitationOpen, type Invitation } from '../domain/invitations';
import { hashPassword, UNUSABLE_HASH, verifyPassword } from '../domain/passwords';
import { invalidCredentials, sha256 } from './identity';
import { membershipEvent } from './member-events';
import type { IdentityStore, User, Workspace } from './ports';

/** How the invitee proves they are the invited e-mail's person. */
export type InviteeProof = { kind: 'password'; password: string } | { kind: 'provider'; email: string };

export interface AcceptInvitationCommand {
  token: string;
  proof: InviteeProof;
  /** names a new account; an existing account keeps its name */
  displayName?: string;
}

/** Unknown, expired, replaced and used tokens all look the same. */
export const invitationNotFound = () =>
  gatewayError('INVITATION.NOT_FOUND', 'this invitation link does not work: it was used already, expired or was replaced by a newer one');

/**
 * Joins the invited e-mail's person to the workspace. Without an account one is created with the
 * given password; with one, the password must be that account's (a failed attempt changes
 * nothing). The membership is an insert under its unique id, so a token is used once.
 */
export class AcceptInvitationUseCase {
  constructor(private readonly deps: { store: IdentityStore }) {}

  async execute(command: AcceptInvitationCommand): Promise<{ user: User; workspace: Workspace }> {
    const tokenHash = sha256(command.token);
    const invitation = await this.deps.store.findInvitation(tokenHash);
    const pending = invitation && (await this.deps.store.findPendingInvitation(invitation.workspaceId, invitation.email));
    if (!invitation || !invitationOpen(invitation, pending ?? null, tokenHash, new Date())) throw invitationNotFound();
    const user = await this.invitee(invitation, command);
    const membership: Membership = { workspaceId: invitation.workspaceId, userId: user.id, role: invitation.role, tenantScope: invitation.tenantScope };
    const { joined } = await this.deps.store.joinByInvitation(membership, invitation, [membershipEvent(user, membership, null, invitation)]);
    if (!joined) throw invitationNotFound();
    const workspace = await this.deps.store.findWorkspace(invitation.workspaceId);
    if (!workspace) throw invitationNotFound();
    return { user, workspace };
  }

  /** The invited e-mail's account: proven by its password (or the identity provider), or created now. */
  private async invitee(invitation: Invitation, command: AcceptInvitationCommand, attempt = 1): Promise<User> {
    const { proof } = command;
    if (proof.kind === 'provider' && proof.email.toLowerCase() !== invitation.email) throw invalidCredentials();
    const existing = await this.deps.store.findUserByEmail(invitation.email);
    if (existing) {
      if (proof.kind === 'password' && !(await verifyPassword(proof.password, existing.passwordHash))) throw invalidCredentials();
      return { id: existing.id, email: existing.email, displayName: existing.displayName };
    }
    const created = await this.deps.store.createUser({
      email: invitation.email,
      displayName: command.displayName ?? invitation.displayName ?? invitation.email,
      // Signed in through the identity provider: no password here at all.
      passwordHash: proof.kind === 'password' ? await hashPassword(proof.password) : UNUSABLE_HASH,
    });
    if (created) return created;
    // A concurrent acceptance created the account first: prove against that one instead.
    if (attempt > 1) throw invalidCredentials();
    return this.invitee(invitation, command, attempt + 1);
  }
}
