import { randomUUID } from 'node:crypto';
import { initialOutbox, outboxEntries, withOutbox, type EventEnvelope } from '@tenantatlas/shared';
import type { Membership } from '../../domain/access';
import { isRole } from '../../domain/capabilities';
import type { IdentityStore, MemberView, Session, User, Workspace } from '../../app/ports';
import type { IdentityModels, MembershipDoc, WorkspaceDoc } from './identity-models';

const toWorkspace = (doc: WorkspaceDoc): Workspace => ({ id: doc._id, name: doc.name, createdAt: doc.createdAt.toISOString() });

function toMembership(doc: MembershipDoc): Membership {
  return {
    workspaceId: doc.workspaceId,
    userId: doc.userId,
    // An unknown stored role grants nothing rather than failing every request of the member.
    role: isRole(doc.role) ? doc.role : 'readonly',
    tenantScope: doc.tenantIds ? { kind: 'some', tenantIds: doc.tenantIds } : { kind: 'all' },
  };
}

const membershipId = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;

export class MongoIdentityStore implements IdentityStore {
  constructor(
    private readonly models: IdentityModels,
    private readonly securityTopic: string,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async findUserByEmail(email: string) {
    const doc = await this.models.User.findOne({ email: email.toLowerCase() }).lean();
    return doc ? { id: doc._id, email: doc.email, displayName: doc.displayName, passwordHash: doc.passwordHash } : null;
  }

  async findUser(userId: string): Promise<User | null> {
    const doc = await this.models.User.findById(userId).lean();
    return doc ? { id: doc._id, email: doc.email, displayName: doc.displayName } : null;
  }

  async createUser(user: { email: string; displayName: string; passwordHash: string }): Promise<User> {
    const id = `usr_${randomUUID()}`;
    await this.models.User.create({ _id: id, ...user, email: user.email.toLowerCase(), createdAt: new Date() });
    return { id, email: user.email.toLowerCase(), displayName: user.displayName };
  }

  async createWorkspace({ name, owner, events }: { name: string; owner: User; events: (id: string) => EventEnvelope[] }) {
    const id = `ws_${randomUUID()}`;
    const now = new Date();
    const doc = await this.models.Workspace.create({
      _id: id,
      name,
      createdBy: owner.id,
      createdAt: now,
      ...initialOutbox(outboxEntries(this.securityTopic, events(id))),
    });
    await this.models.Membership.create({
      _id: membershipId(id, owner.id),
      workspaceId: id,
      userId: owner.id,
      role: 'owner',
      tenantIds: null,
      updatedAt: now,
      ...initialOutbox([]),
    });
    this.onWrite();
    return toWorkspace(doc.toObject());
  }

  async findWorkspace(workspaceId: string) {
    const doc = await this.models.Workspace.findById(workspaceId).lean<WorkspaceDoc>();
    return doc ? toWorkspace(doc) : null;
  }

  async workspacesOf(userId: string) {
    const memberships = await this.models.Membership.find({ userId }).lean<MembershipDoc[]>();
    const workspaces = await this.models.Workspace.find({ _id: { $in: memberships.map((m) => m.workspaceId) } }).lean<WorkspaceDoc[]>();
    const byId = new Map(workspaces.map((w) => [w._id, toWorkspace(w)]));
    return memberships
      .filter((m) => byId.has(m.workspaceId))
      .map((m) => ({ workspace: byId.get(m.workspaceId)!, membership: toMembership(m) }))
      .sort((a, b) => a.workspace.name.localeCompare(b.workspace.name));
  }

  async findMembership(workspaceId: string, userId: string) {
    const doc = await this.models.Membership.findById(membershipId(workspaceId, userId)).lean<MembershipDoc>();
    return doc ? toMembership(doc) : null;
  }

  async listMembers(workspaceId: string): Promise<MemberView[]> {
    const memberships = await this.models.Membership.find({ workspaceId }).lean<MembershipDoc[]>();
    const users = await this.models.User.find({ _id: { $in: memberships.map((m) => m.userId) } }).lean();
    const byId = new Map(users.map((u) => [u._id, u]));
    return memberships.map((m) => ({
      ...toMembership(m),
      email: byId.get(m.userId)?.email ?? '',
      displayName: byId.get(m.userId)?.displayName ?? '',
    }));
  }

  async putMembership(membership: Membership, events: EventEnvelope[]) {
    const tenantIds = membership.tenantScope.kind === 'all' ? null : membership.tenantScope.tenantIds;
    const result = await this.models.Membership.updateOne(
      { _id: membershipId(membership.workspaceId, membership.userId) },
      withOutbox<MembershipDoc>(
        {
          $set: { role: membership.role, tenantIds, updatedAt: new Date() },
          $setOnInsert: { workspaceId: membership.workspaceId, userId: membership.userId },
        },
        outboxEntries(this.securityTopic, events),
      ),
      { upsert: true },
    );
    this.onWrite();
    return { created: result.upsertedCount === 1 };
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
    await this.models.ApiToken.create({
      _id: token.id,
      userId: token.userId,
      name: token.name,
      secretHash: token.secretHash,
      createdAt: new Date(),
      ...initialOutbox(outboxEntries(this.securityTopic, token.events)),
    });
    this.onWrite();
  }

  async findApiToken(id: string) {
    const doc = await this.models.ApiToken.findById(id).lean();
    return doc ? { userId: doc.userId, secretHash: doc.secretHash } : null;
  }
}
