import type { Actor } from '@tenantatlas/core';
import type { EventEnvelope } from '@tenantatlas/kafka';
import type { Membership, Role, TenantScope } from '../domain/access';
import type { Invitation, PendingInvitation } from '../domain/invitations';

export interface User {
  id: string;
  email: string;
  displayName: string;
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: string;
}

/** A member as the workspace knows them: what the inviter told it, never what the account says. */
export interface MemberView {
  /** null while invited */
  userId: string | null;
  email: string;
  /** the name the inviter gave (null when none was given) */
  displayName: string | null;
  role: Role;
  tenantScope: TenantScope;
  status: 'active' | 'invited';
  /** invited only: when the invitation stops working */
  expiresAt?: string;
}

/** An active member as of the membership's newest version: the version a change replaces. */
export type CurrentMember = MemberView & { userId: string; version: number };

/** What a workspace was told about a member when they were added. */
export interface Told {
  email: string;
  displayName: string | null;
}

export interface Session {
  /** the user as of sign-in, so a request costs one read to authenticate */
  user: User;
  csrfToken: string;
  expiresAt: Date;
}

/** Users, workspaces, memberships, sessions and API tokens: the gateway's own data. */
export interface IdentityStore {
  findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null>;
  findUser(userId: string): Promise<User | null>;
  /** null when the e-mail got an account meanwhile (a concurrent request created it) */
  createUser(user: { email: string; displayName: string; passwordHash: string }): Promise<User | null>;

  createWorkspace(workspace: { name: string; owner: User; events: (workspaceId: string) => EventEnvelope[] }): Promise<Workspace>;
  findWorkspace(workspaceId: string): Promise<Workspace | null>;
  workspacesOf(userId: string): Promise<{ workspace: Workspace; membership: Membership }[]>;

  findMembership(workspaceId: string, userId: string): Promise<Membership | null>;
  /** The membership with what the workspace was told about the member; read by id. */
  findMember(workspaceId: string, userId: string): Promise<CurrentMember | null>;
  /** Members (active) and open invitations (invited), as the workspace was told about them. */
  listMembers(workspaceId: string): Promise<MemberView[]>;
  /**
   * Stores the member's next version (role, scope and what the workspace was told) after version
   * `replaces`, with its events; false when another change stored that version first.
   */
  changeMembership(change: { membership: Membership; told: Told; replaces: number }, events: EventEnvelope[]): Promise<boolean>;

  /** Stores the invitation under the hash of its token and makes it the e-mail's pending one (replacing an earlier). */
  createInvitation(invitation: Invitation, tokenHash: string, events: EventEnvelope[]): Promise<void>;
  findInvitation(tokenHash: string): Promise<Invitation | null>;
  findPendingInvitation(workspaceId: string, email: string): Promise<PendingInvitation | null>;
  /**
   * Inserts the membership the invitation grants (the unique membership id makes this happen once)
   * and drops the pending entry; joined=false when the user is a member already.
   */
  joinByInvitation(membership: Membership, invitation: Invitation, events: EventEnvelope[]): Promise<{ joined: boolean }>;

  createSession(session: Session & { tokenHash: string }): Promise<void>;
  findSession(tokenHash: string): Promise<Session | null>;
  deleteSession(tokenHash: string): Promise<void>;

  createApiToken(token: { id: string; userId: string; name: string; secretHash: string; events: EventEnvelope[] }): Promise<void>;
  findApiToken(id: string): Promise<{ userId: string; secretHash: string } | null>;
}

/** Security events (denials) go straight to Kafka: they record no state change of ours. */
export interface SecurityEventSink {
  publish(event: EventEnvelope): void;
}

export type { Actor, Membership, Role, TenantScope };
