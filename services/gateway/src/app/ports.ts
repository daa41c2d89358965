import type { Actor, EventEnvelope } from '@tenantatlas/shared';
import type { Membership, TenantScope } from '../domain/access';
import type { Role } from '../domain/capabilities';

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

export interface MemberView extends Membership {
  email: string;
  displayName: string;
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
  createUser(user: { email: string; displayName: string; passwordHash: string }): Promise<User>;

  createWorkspace(workspace: { name: string; owner: User; events: (workspaceId: string) => EventEnvelope[] }): Promise<Workspace>;
  findWorkspace(workspaceId: string): Promise<Workspace | null>;
  workspacesOf(userId: string): Promise<{ workspace: Workspace; membership: Membership }[]>;

  findMembership(workspaceId: string, userId: string): Promise<Membership | null>;
  listMembers(workspaceId: string): Promise<MemberView[]>;
  /** Inserts or replaces the member's role and scope; the events are written with it (outbox). */
  putMembership(membership: Membership, events: EventEnvelope[]): Promise<{ created: boolean }>;

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
