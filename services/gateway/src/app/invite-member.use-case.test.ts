import type { EventEnvelope } from '@tenantatlas/kafka';
import type { Membership, Role } from '../domain/access';
import { InviteMemberUseCase } from './invite-member.use-case';
import type { CurrentMember, IdentityStore, Told } from './ports';

const WS = 'ws-1';
const MEMBER = { id: 'usr-member', email: 'member@example.test', displayName: 'Member', passwordHash: 'x' };
const INVITER = { id: 'usr-owner', email: 'owner@example.test', displayName: 'Owner' };

/**
 * One member's versions, as the store keeps them: a change names the version it replaces and
 * is stored only if that is still the newest. `rivals` changes by someone else slip in, one
 * before each of the next appends (the other replica won that version).
 */
class MemberVersions {
  readonly versions: { role: Role; tenants: string; events: EventEnvelope[] }[] = [{ role: 'readonly', tenants: 'all', events: [] }];
  rivals = 0;

  get store(): IdentityStore {
    const newest = (): CurrentMember => {
      const { role, tenants } = this.versions[this.versions.length - 1]!;
      const tenantScope = tenants === 'all' ? { kind: 'all' as const } : { kind: 'some' as const, tenantIds: [tenants] };
      return { userId: MEMBER.id, email: MEMBER.email, displayName: 'Told', role, tenantScope, status: 'active', version: this.versions.length };
    };
    const store: Partial<IdentityStore> = {
      findUserByEmail: async () => MEMBER,
      findMember: async () => newest(),
      changeMembership: async ({ membership, replaces }: { membership: Membership; told: Told; replaces: number }, events: EventEnvelope[]) => {
        if (this.rivals > 0) {
          this.rivals--;
          this.versions.push({ role: 'operator', tenants: `rival-${this.versions.length + 1}`, events: [] });
        }
        if (replaces !== this.versions.length) return false;
        this.versions.push({ role: membership.role, tenants: membership.tenantScope.kind === 'all' ? 'all' : membership.tenantScope.tenantIds.join(','), events });
        return true;
      },
    };
    return store as IdentityStore;
  }
}

const change = (member: MemberVersions) =>
  new InviteMemberUseCase({ store: member.store, invitationTtlMs: 60_000 }).execute({
    inviter: INVITER,
    inviterRole: 'owner',
    inviterScope: { kind: 'all' },
    workspaceId: WS,
    email: MEMBER.email,
    role: 'manager',
    tenantIds: ['tenant-mine'],
    uiOrigin: 'https://atlas.example.test',
  });

describe('changing a member whose membership another change replaced meanwhile', () => {
  it('decides again on the newer version: its event names that version as what it replaced', async () => {
    const member = new MemberVersions();
    member.rivals = 2;
    const result = await change(member);
    expect(result).toMatchObject({ outcome: 'changed', member: { role: 'manager', tenantScope: { kind: 'some', tenantIds: ['tenant-mine'] } } });
    expect(member.versions.map((v) => v.tenants)).toEqual(['all', 'rival-2', 'rival-3', 'tenant-mine']);
    expect(member.versions[3]!.events.map((e) => e.data)).toEqual([
      { before: { role: 'operator', tenants: 'rival-3' }, after: { role: 'manager', tenants: 'tenant-mine' } },
    ]);
  });

  it('gives up after 5 lost versions with MEMBER.CONFLICT, having stored nothing', async () => {
    const member = new MemberVersions();
    member.rivals = 5;
    await expect(change(member)).rejects.toMatchObject({ code: 'MEMBER.CONFLICT', kind: 'conflict', details: { userId: MEMBER.id } });
    expect(member.versions.map((v) => v.tenants)).toEqual(['all', 'rival-2', 'rival-3', 'rival-4', 'rival-5', 'rival-6']);
  });
});
