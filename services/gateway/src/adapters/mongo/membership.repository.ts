import type { EventEnvelope } from '@tenantatlas/kafka';
import { isDuplicateKeyError, RevisionLog, type OutboxTracker, type Revision } from '@tenantatlas/store';
import type { IdentityModels, MembershipDoc, MembershipState } from './identity-models';

/** A membership as of its newest version. */
export interface CurrentMembership extends MembershipState {
  workspaceId: string;
  userId: string;
  /** 1 = as made (the head); every change adds one */
  version: number;
}

/** A new membership: who joins which workspace, and its first state. */
export interface NewMembership extends MembershipState {
  workspaceId: string;
  userId: string;
  invitationId?: string;
}

export const membershipId = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;

type Head = Pick<MembershipDoc, '_id' | 'workspaceId' | 'userId' | 'latestRevision' | keyof MembershipState>;
const HEAD_FIELDS = { _id: 1, workspaceId: 1, userId: 1, latestRevision: 1, role: 1, tenantIds: 1, email: 1, displayName: 1, updatedAt: 1 };

function current(head: Head, latest: Revision<MembershipState> | null | undefined): CurrentMembership {
  const { workspaceId, userId, role, tenantIds, email, displayName, updatedAt } = head;
  const state = latest?.body ?? { role, tenantIds, email, displayName, updatedAt };
  return { ...state, workspaceId, userId, version: latest?.revision ?? 1 };
}

/**
 * Memberships as versions (docs/storage.md): the head holds version 1, every change of role,
 * scope or told name appends the next version with its events. Two concurrent changes of one
 * member cannot both win, and no write ever touches a document whose events wait to be published.
 */
export class MembershipVersions {
  private readonly versions: RevisionLog<MembershipState>;

  /** `outbox` is told about every write that stores events, so the relay publishes them. */
  constructor(private readonly models: IdentityModels, topic: string, outbox: OutboxTracker) {
    this.versions = new RevisionLog({ revisions: models.MembershipRevision, heads: models.Membership, topic, outbox });
  }

  /** One membership, read on every authorized request: its head and the versions after the hint, each by `_id`. */
  async read(workspaceId: string, userId: string): Promise<CurrentMembership | null> {
    const head = await this.models.Membership.findById(membershipId(workspaceId, userId), HEAD_FIELDS).lean<Head>();
    return head && current(head, await this.versions.latest(head._id, head.latestRevision));
  }

  async ofWorkspace(workspaceId: string): Promise<CurrentMembership[]> {
    return this.newest(await this.models.Membership.find({ workspaceId }, HEAD_FIELDS).lean<Head[]>());
  }

  async ofUser(userId: string): Promise<CurrentMembership[]> {
    return this.newest(await this.models.Membership.find({ userId }, HEAD_FIELDS).lean<Head[]>());
  }

  /** Inserts the membership's head (version 1) with its events; false when the member is one already. */
  async create(membership: NewMembership, events: EventEnvelope[]): Promise<boolean> {
    try {
      await this.versions.createHead({ _id: membershipId(membership.workspaceId, membership.userId), ...membership, latestRevision: 1 }, events);
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
    return true;
  }

  /** Appends version `version` (the one after the version read); false when another change took it first. */
  change(workspaceId: string, userId: string, version: number, state: MembershipState, events: EventEnvelope[]): Promise<boolean> {
    return this.versions.append(workspaceId, membershipId(workspaceId, userId), version, state, events);
  }

  private async newest(heads: Head[]): Promise<CurrentMembership[]> {
    const latest = await this.versions.latestOfMany(heads.map((h) => ({ id: h._id, hint: h.latestRevision })));
    return heads.map((head) => current(head, latest.get(head._id)));
  }
}
