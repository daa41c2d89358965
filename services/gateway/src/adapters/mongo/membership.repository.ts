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
/** memberships whose newest known version a process keeps (the members signed in lately) */
const KNOWN = 10_000;
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
  /**
   * The newest version this process has seen of each membership read lately. Not a guard: a
   * version never changes once stored and a membership is never deleted, so a read only has to
   * look whether the next version exists (one read by `_id`, as the head alone cost before).
   */
  private readonly known = new Map<string, CurrentMembership>();

  /** `outbox` is told about every write that stores events, so the relay publishes them. */
  constructor(private readonly models: IdentityModels, topic: string, outbox: OutboxTracker) {
    this.versions = new RevisionLog({ revisions: models.MembershipRevision, heads: models.Membership, topic, outbox });
  }

  /**
   * One membership, read on every authorized request, each read by `_id`: the version after the
   * newest one known here, else the head and the versions after its hint.
   */
  async read(workspaceId: string, userId: string): Promise<CurrentMembership | null> {
    const id = membershipId(workspaceId, userId);
    const known = this.known.get(id);
    const found = known ? await this.after(id, known) : await this.fromHead(id);
    if (found) this.remember(id, found);
    return found;
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

  private async fromHead(id: string): Promise<CurrentMembership | null> {
    const head = await this.models.Membership.findById(id, HEAD_FIELDS).lean<Head>();
    return head && current(head, await this.versions.latest(id, head.latestRevision));
  }

  private async after(id: string, known: CurrentMembership): Promise<CurrentMembership> {
    const newer = await this.versions.latest(id, known.version + 1);
    return newer ? { ...newer.body, workspaceId: known.workspaceId, userId: known.userId, version: newer.revision } : known;
  }

  private remember(id: string, membership: CurrentMembership): void {
    this.known.delete(id);
    this.known.set(id, membership);
    if (this.known.size > KNOWN) this.known.delete(this.known.keys().next().value!);
  }

  private async newest(heads: Head[]): Promise<CurrentMembership[]> {
    const latest = await this.versions.latestOfMany(heads.map((h) => ({ id: h._id, hint: h.latestRevision })));
    return heads.map((head) => current(head, latest.get(head._id)));
  }
}
