import { Schema, type Connection } from 'mongoose';
import { outboxFields, revisionModel, type OutboxDocument } from '@tenantatlas/store';

/** Field types every document here needs set. */
const requiredText = { type: String, required: true } as const;
const requiredTime = { type: Date, required: true } as const;

export interface UserDoc {
  _id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: Date;
}

export interface WorkspaceDoc extends OutboxDocument {
  _id: string;
  name: string;
  createdBy: string;
  createdAt: Date;
}

/** A membership's state as of one version: what the member was granted and what the workspace was told. */
export interface MembershipState {
  role: string;
  /** null = every tenant of the workspace */
  tenantIds: string[] | null;
  /** what the workspace was told: the e-mail and name the inviter gave (absent on memberships made before invitations) */
  email?: string;
  displayName?: string | null;
  updatedAt: Date;
}

/**
 * A membership's head (`<workspace>:<user>`): who is a member of which workspace (what lists find)
 * and version 1, its state when it was made. Every change is a version `<workspace>:<user>:<n>` in
 * `membership_revisions`; the head is never changed but for the `latestRevision` hint.
 */
export interface MembershipDoc extends OutboxDocument, MembershipState {
  _id: string;
  workspaceId: string;
  userId: string;
  invitationId?: string;
  /** a lower bound of the newest version (RevisionLog.latest); absent on heads stored before versions */
  latestRevision?: number;
}

/** One invitation, keyed by the sha256 of its token (the token itself is never stored). Written once. */
export interface InvitationDoc extends OutboxDocument {
  _id: string;
  invitationId: string;
  workspaceId: string;
  email: string;
  displayName: string | null;
  role: string;
  tenantIds: string[] | null;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The invitation an e-mail currently has in a workspace (`<workspace>:<email>`); gone once accepted. */
export interface PendingInvitationDoc {
  _id: string;
  workspaceId: string;
  email: string;
  displayName: string | null;
  role: string;
  tenantIds: string[] | null;
  invitationId: string;
  tokenHash: string;
  expiresAt: Date;
}

export interface SessionDoc {
  /** sha256 of the cookie value: a database leak yields no usable session */
  _id: string;
  userId: string;
  email: string;
  displayName: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ApiTokenDoc extends OutboxDocument {
  _id: string;
  userId: string;
  name: string;
  secretHash: string;
  createdAt: Date;
}

/** A key the gateway's replicas share (the page-token seal's): made once, never changed. */
export interface KeyDoc {
  _id: string;
  /** base64 */
  material: string;
  createdAt: Date;
}

export function identityModels(connection: Connection) {
  const users = new Schema<UserDoc>({
    _id: String,
    email: { type: String, required: true, unique: true },
    displayName: requiredText,
    passwordHash: requiredText,
    createdAt: requiredTime,
  });
  const workspaces = new Schema<WorkspaceDoc>({
    _id: String,
    name: requiredText,
    createdBy: requiredText,
    createdAt: requiredTime,
    ...outboxFields,
  });
  const memberships = new Schema<MembershipDoc>({
    _id: String,
    workspaceId: requiredText,
    userId: { type: String, required: true, index: true },
    role: requiredText,
    tenantIds: { type: [String], default: null },
    email: String,
    displayName: { type: String, default: null },
    invitationId: String,
    updatedAt: requiredTime,
    latestRevision: { type: Number, default: 1 },
    ...outboxFields,
  });
  memberships.index({ workspaceId: 1, userId: 1 }, { unique: true });
  const sessions = new Schema<SessionDoc>({
    _id: String,
    userId: requiredText,
    email: requiredText,
    displayName: requiredText,
    csrfToken: requiredText,
    expiresAt: requiredTime,
  });
  const apiTokens = new Schema<ApiTokenDoc>({
    _id: String,
    userId: requiredText,
    name: requiredText,
    secretHash: requiredText,
    createdAt: requiredTime,
    ...outboxFields,
  });
  const told = {
    workspaceId: requiredText,
    email: requiredText,
    displayName: { type: String, default: null },
    role: requiredText,
    tenantIds: { type: [String], default: null },
    invitationId: requiredText,
    expiresAt: requiredTime,
  };
  const invitations = new Schema<InvitationDoc>({
    _id: String,
    ...told,
    invitedBy: requiredText,
    createdAt: requiredTime,
    ...outboxFields,
  });
  const pendingInvitations = new Schema<PendingInvitationDoc>({ _id: String, ...told, tokenHash: requiredText });
  const keys = new Schema<KeyDoc>({ _id: String, material: requiredText, createdAt: requiredTime });
  // A workspace's member list shows its invitations still pending.
  pendingInvitations.index({ workspaceId: 1 });
  return {
    User: connection.model<UserDoc>('User', users, 'users'),
    Workspace: connection.model<WorkspaceDoc>('Workspace', workspaces, 'workspaces'),
    Membership: connection.model<MembershipDoc>('Membership', memberships, 'memberships'),
    MembershipRevision: revisionModel<MembershipState>(connection, 'MembershipRevision', 'membership_revisions'),
    Session: connection.model<SessionDoc>('Session', sessions, 'sessions'),
    ApiToken: connection.model<ApiTokenDoc>('ApiToken', apiTokens, 'api_tokens'),
    Invitation: connection.model<InvitationDoc>('Invitation', invitations, 'invitations'),
    PendingInvitation: connection.model<PendingInvitationDoc>('PendingInvitation', pendingInvitations, 'pending_invitations'),
    Key: connection.model<KeyDoc>('Key', keys, 'gateway_keys'),
  };
}
export type IdentityModels = ReturnType<typeof identityModels>;
