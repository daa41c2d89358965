import { randomUUID } from 'node:crypto';
import { type EventEnvelope } from '@tenantatlas/kafka';
import { initialOutbox, isDuplicateKeyError, outboxEntries, trackAfter, type OutboxTracker } from '@tenantatlas/store';
import { isRole, type Membership, type TenantScope } from '../../domain/access';
import { tenantScopeOf, type Invitation } from '../../domain/invitations';
import type { CurrentMember, IdentityStore, MemberView, Session, Told, User, Workspace } from '../../app/ports';
import type { IdentityModels, InvitationDoc, PendingInvitationDoc, WorkspaceDoc } from './identity-models';
import { MembershipVersions, type CurrentMembership } from './membership.repository';

const toWorkspace = (doc: WorkspaceDoc): Workspace => ({ id: doc._id, name: doc.name, createdAt: doc.createdAt.toISOString() });

// An unknown stored role grants nothing rather than failing every request of the member.
const storedRole = (role: string) => (isRole(role) ? role : 'readonly');

function toMembership(doc: CurrentMembership): Membership {
  return { workspaceId: doc.workspaceId, userId: doc.userId, role: storedRole(doc.role), tenantScope: tenantScopeOf(doc.tenantIds) };
}

function toInvitation(doc: InvitationDoc): Invitation {
  return {
    id: doc.invitationId,
    workspaceId: doc.workspaceId,
    email: doc.email,
    displayName: doc.displayName ?? null,
    role: storedRole(doc.role),
    tenantScope: tenantScopeOf(doc.tenantIds),
    invitedBy: doc.invitedBy,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

function activeMember(doc: CurrentMembership): CurrentMember {
  const { role, tenantScope } = toMembership(doc);
  return { userId: doc.userId, email: doc.email ?? '', displayName: doc.displayName ?? null, role, tenantScope, status: 'active', version: doc.version };
}

const withoutVersion = ({ version: _version, ...member }: CurrentMember): MemberView => member;
const tenantIdsOf = (scope: TenantScope) => (scope.kind === 'all' ? null : scope.tenantIds);
const pendingId = (workspaceId: string, email: string) => `${workspaceId}:${email}`;

export class MongoIdentityStore implements IdentityStore {
  private readonly memberships: MembershipVersions;

  constructor(
    private readonly models: IdentityModels,
    private readonly securityTopic: string,
    /** told about every write that stores events, so the relay publishes them */
    private readonly outbox: OutboxTracker = { track: () => undefined },
  ) {
    this.memberships = new MembershipVersions(models, securityTopic, outbox);
  }

  async findUserByEmail(email: string) {
    const doc = await this.models.User.findOne({ email: email.toLowerCase() }).lean();
    return doc ? { id: doc._id, email: doc.email, displayName: doc.displayName, passwordHash: doc.passwordHash } : null;
  }

  async findUser(userId: string): Promise<User | null> {
    const doc = await this.models.User.findById(userId).lean();
    return doc ? { id: doc._id, email: doc.email, displayName: doc.displayName } : null;
  }

  async createUser(user: { email: string; displayName: string; passwordHash: string }): Promise<User | null> {
    const id = `usr_${randomUUID()}`;
    try {
      await this.models.User.create({ _id: id, ...user, email: user.email.toLowerCase(), createdAt: new Date() });
    } catch (err) {
      if (isDuplicateKeyError(err)) return null; // the unique e-mail index: someone else created it first
      throw err;
    }
    return { id, email: user.email.toLowerCase(), displayName: user.displayName };
  }

  async createWorkspace({ name, owner, events }: { name: string; owner: User; events: (id: string) => EventEnvelope[] }) {
    const id = `ws_${randomUUID()}`;
    const now = new Date();
    const doc = await trackAfter(this.outbox, this.models.Workspace, id, () =>
      this.models.Workspace.create({ _id: id, name, createdBy: owner.id, createdAt: now, ...initialOutbox(outboxEntries(this.securityTopic, events(id))) }),
    );
    // the creator told the workspace who they are
    const told = { email: owner.email, displayName: owner.displayName };
    await this.memberships.create({ workspaceId: id, userId: owner.id, role: 'owner', tenantIds: null, ...told, updatedAt: now }, []);
    return toWorkspace(doc.toObject());
  }

  async findWorkspace(workspaceId: string) {
    const doc = await this.models.Workspace.findById(workspaceId).lean<WorkspaceDoc>();
    return doc ? toWorkspace(doc) : null;
  }

  async workspacesOf(userId: string) {
    const memberships = await this.memberships.ofUser(userId);
    const workspaces = await this.models.Workspace.find({ _id: { $in: memberships.map((m) => m.workspaceId) } }).lean<WorkspaceDoc[]>();
    const byId = new Map(workspaces.map((w) => [w._id, toWorkspace(w)]));
    return memberships
      .filter((m) => byId.has(m.workspaceId))
      .map((m) => ({ workspace: byId.get(m.workspaceId)!, membership: toMembership(m) }))
      .sort((a, b) => a.workspace.name.localeCompare(b.workspace.name));
  }

  async findMembership(workspaceId: string, userId: string) {
    const doc = await this.memberships.read(workspaceId, userId);
    return doc ? toMembership(doc) : null;
  }

  async findMember(workspaceId: string, userId: string) {
    const doc = await this.memberships.read(workspaceId, userId);
    if (!doc) return null;
    const email = doc.email ?? (await this.models.User.findById(userId).lean())?.email ?? '';
    return { ...activeMember(doc), email };
  }

  async listMembers(workspaceId: string): Promise<MemberView[]> {
    const memberships = await this.memberships.ofWorkspace(workspaceId);
    // Memberships made before invitations stored no e-mail: the account's is the one they were added by.
    const legacy = memberships.filter((m) => !m.email).map((m) => m.userId);
    const users = legacy.length ? await this.models.User.find({ _id: { $in: legacy } }).lean() : [];
    const emailOf = new Map(users.map((u) => [u._id, u.email]));
    const active: MemberView[] = memberships.map((m) => ({ ...withoutVersion(activeMember(m)), email: m.email ?? emailOf.get(m.userId) ?? '' }));
    const members = new Set(active.map((m) => m.email));
    const now = Date.now();
    const pending = await this.models.PendingInvitation.find({ workspaceId }).lean<PendingInvitationDoc[]>();
    const invited: MemberView[] = pending
      .filter((p) => p.expiresAt.getTime() > now && !members.has(p.email))
      .map((p) => ({
        userId: null,
        email: p.email,
        displayName: p.displayName ?? null,
        role: storedRole(p.role),
        tenantScope: tenantScopeOf(p.tenantIds),
        status: 'invited',
        expiresAt: p.expiresAt.toISOString(),
      }));
    return [...active, ...invited].sort((a, b) => a.email.localeCompare(b.email));
  }

  changeMembership(change: { membership: Membership; told: Told; replaces: number }, events: EventEnvelope[]) {
    const { membership, told } = change;
    const state = { role: membership.role, tenantIds: tenantIdsOf(membership.tenantScope), email: told.email, displayName: told.displayName, updatedAt: new Date() };
    return this.memberships.change(membership.workspaceId, membership.userId, change.replaces + 1, state, events);
  }

  async createInvitation(invitation: Invitation, tokenHash: string, events: EventEnvelope[]) {
    const told = {
      workspaceId: invitation.workspaceId,
      email: invitation.email,
      displayName: invitation.displayName,
      role: invitation.role,
      tenantIds: tenantIdsOf(invitation.tenantScope),
      invitationId: invitation.id,
      expiresAt: invitation.expiresAt,
    };
    await trackAfter(this.outbox, this.models.Invitation, tokenHash, () =>
      this.models.Invitation.create({
        _id: tokenHash,
        ...told,
        invitedBy: invitation.invitedBy,
        createdAt: invitation.createdAt,
        ...initialOutbox(outboxEntries(this.securityTopic, events)),
      }),
    );
    // Last writer wins: of two invitations racing for one e-mail, the one written last stays open.
    const replace = () => this.models.PendingInvitation.replaceOne({ _id: pendingId(invitation.workspaceId, invitation.email) }, { ...told, tokenHash }, { upsert: true });
    // Two first invitations of an e-mail both try to insert; the one refused replaces the other's.
    await replace().catch((err: unknown) => (isDuplicateKeyError(err) ? replace() : Promise.reject(err)));
  }

  async findInvitation(tokenHash: string) {
    const doc = await this.models.Invitation.findById(tokenHash).lean<InvitationDoc>();
    return doc ? toInvitation(doc) : null;
  }

  async findPendingInvitation(workspaceId: string, email: string) {
    const doc = await this.models.PendingInvitation.findById(pendingId(workspaceId, email)).lean<PendingInvitationDoc>();
    return doc ? { invitationId: doc.invitationId, tokenHash: doc.tokenHash, expiresAt: doc.expiresAt } : null;
  }

  async joinByInvitation(membership: Membership, invitation: Invitation, events: EventEnvelope[]) {
    const joined = await this.memberships.create(
      {
        workspaceId: membership.workspaceId,
        userId: membership.userId,
        role: membership.role,
        tenantIds: tenantIdsOf(membership.tenantScope),
        email: invitation.email,
        displayName: invitation.displayName,
        invitationId: invitation.id,
        updatedAt: new Date(),
      },
      events,
    );
    if (joined) await this.models.PendingInvitation.deleteOne({ _id: pendingId(invitation.workspaceId, invitation.email) });
    return { joined };
  }

  async createSession(session: Session & { tokenHash: string }) {
    const { user } = session;
    await this.models.Session.create({
      _id: session.tokenHash,
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    });
  }

  async findSession(tokenHash: string): Promise<Session | null> {
    const doc = await this.models.Session.findById(tokenHash).lean();
    if (!doc) return null;
    return { user: { id: doc.userId, email: doc.email, displayName: doc.displayName }, csrfToken: doc.csrfToken, expiresAt: doc.expiresAt };
  }

  async deleteSession(tokenHash: string) {
    await this.models.Session.deleteOne({ _id: tokenHash });
  }

  async createApiToken(token: { id: string; userId: string; name: string; secretHash: string; events: EventEnvelope[] }) {
    await trackAfter(this.outbox, this.models.ApiToken, token.id, () =>
      this.models.ApiToken.create({
        _id: token.id,
        userId: token.userId,
        name: token.name,
        secretHash: token.secretHash,
        createdAt: new Date(),
        ...initialOutbox(outboxEntries(this.securityTopic, token.events)),
      }),
    );
  }

  async findApiToken(id: string) {
    const doc = await this.models.ApiToken.findById(id).lean();
    return doc ? { userId: doc.userId, secretHash: doc.secretHash } : null;
  }
}
