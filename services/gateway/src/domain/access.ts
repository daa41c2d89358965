/**
 * The one capability registry. Route handlers and the UI ask for a capability, never for a role
 * name; roles are only bundles of capabilities defined here.
 */
export const CAPABILITIES = {
  'tenant.view': 'See managed tenants, drafts and their readiness',
  'onboarding.manage': 'Start and advance onboarding drafts',
  'onboarding.activate': 'Complete onboarding when readiness allows it',
  'onboarding.activate.override': 'Complete onboarding despite blocking readiness',
  'connection.view': 'See provider connections (never their secrets)',
  'connection.manage': 'Create, change and verify provider connections',
  'operations.view': 'See operation runs and their attempts',
  'operations.start': 'Start, rerun, retry and cancel operation runs',
  'audit.view': 'Read the audit log',
  'audit.export': 'Export the audit log',
  'workspace.manage': 'Manage members and their roles',
} as const;
export type Capability = keyof typeof CAPABILITIES;
export const ALL_CAPABILITIES = Object.keys(CAPABILITIES) as Capability[];

export const ROLES = ['owner', 'manager', 'operator', 'readonly'] as const;
export type Role = (typeof ROLES)[number];

const READ: Capability[] = ['tenant.view', 'connection.view', 'operations.view', 'audit.view'];
const OPERATE: Capability[] = [...READ, 'onboarding.manage', 'onboarding.activate', 'connection.manage', 'operations.start'];

const ROLE_CAPABILITIES: Record<Role, ReadonlySet<Capability>> = {
  owner: new Set(ALL_CAPABILITIES),
  // Overriding activation readiness stays with owners.
  manager: new Set<Capability>([...OPERATE, 'audit.export', 'workspace.manage']),
  operator: new Set(OPERATE),
  readonly: new Set(READ),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isCapability(value: string): value is Capability {
  return Object.hasOwn(CAPABILITIES, value);
}

export function capabilitiesOf(role: Role): Capability[] {
  return ALL_CAPABILITIES.filter((capability) => ROLE_CAPABILITIES[role].has(capability));
}

export function roleGrants(role: Role, capability: Capability): boolean {
  return ROLE_CAPABILITIES[role].has(capability);
}

// ---- membership: who may do what, for which tenants --------------------------------------------

/** A member sees every tenant of the workspace, or only the listed ones. */
export type TenantScope = { kind: 'all' } | { kind: 'some'; tenantIds: string[] };

export interface Membership {
  userId: string;
  workspaceId: string;
  role: Role;
  tenantScope: TenantScope;
}

/** An owner over every tenant: who can still manage the whole workspace. */
const isFullOwner = (m: Pick<Membership, 'role' | 'tenantScope'>) => m.role === 'owner' && m.tenantScope.kind === 'all';

/**
 * True when replacing the member's membership with `next` leaves the workspace without an owner
 * over every tenant (nobody could manage members any more).
 */
export function leavesWorkspaceWithoutOwner(members: Membership[], next: Membership): boolean {
  const after = [...members.filter((m) => m.userId !== next.userId), next];
  return !after.some(isFullOwner);
}

/**
 * Why `changer` may not change `member`'s role or scope, or null when it may. Nobody takes away
 * more than they could give: only an owner changes an owner, and a member limited to some tenants
 * changes only members whose tenants all lie within its own.
 */
export function memberOutOfReach(
  changer: Pick<Membership, 'role' | 'tenantScope'>,
  member: Pick<Membership, 'role' | 'tenantScope'>,
): 'ROLE_TOO_HIGH' | 'SCOPE_TOO_WIDE' | null {
  if (member.role === 'owner' && changer.role !== 'owner') return 'ROLE_TOO_HIGH';
  const within = member.tenantScope.kind === 'some' && member.tenantScope.tenantIds.every((id) => tenantInScope(changer.tenantScope, id));
  if (changer.tenantScope.kind === 'some' && !within) return 'SCOPE_TOO_WIDE';
  return null;
}

/**
 * The members a member sees in the member list. One limited to some tenants sees those who share a
 * tenant with it, each with only the shared tenants (further tenants are other tenants' business),
 * and those over all tenants as they are.
 */
export function membersSeenBy<T extends { tenantScope: TenantScope }>(viewer: Pick<Membership, 'tenantScope'>, members: T[]): T[] {
  if (viewer.tenantScope.kind === 'all') return members;
  return members.flatMap((member) => {
    if (member.tenantScope.kind === 'all') return [member];
    const tenantIds = member.tenantScope.tenantIds.filter((id) => tenantInScope(viewer.tenantScope, id));
    return tenantIds.length > 0 ? [{ ...member, tenantScope: { kind: 'some' as const, tenantIds } }] : [];
  });
}

export function tenantInScope(scope: TenantScope, tenantId: string): boolean {
  return scope.kind === 'all' || scope.tenantIds.includes(tenantId);
}

/**
 * Why access was refused. Not-a-member and tenant-out-of-scope both surface as 404 so a caller
 * never learns that the workspace or tenant exists; a member lacking a capability gets 403.
 */
export type DenialReason = 'NOT_A_MEMBER' | 'TENANT_OUT_OF_SCOPE' | 'CAPABILITY_MISSING';
export type AccessDecision = { allowed: true } | { allowed: false; reason: DenialReason; visibleAs: 'not_found' | 'forbidden' };

export interface AccessRequest {
  capability: Capability;
  /** the tenant the request is about, when it is about one */
  tenantId?: string;
}

export function decideAccess(membership: Membership | null, request: AccessRequest): AccessDecision {
  if (!membership) return { allowed: false, reason: 'NOT_A_MEMBER', visibleAs: 'not_found' };
  // Scope before capability: a 403 would confirm that an out-of-scope tenant exists.
  if (request.tenantId !== undefined && !tenantInScope(membership.tenantScope, request.tenantId)) {
    return { allowed: false, reason: 'TENANT_OUT_OF_SCOPE', visibleAs: 'not_found' };
  }
  if (!roleGrants(membership.role, request.capability)) {
    return { allowed: false, reason: 'CAPABILITY_MISSING', visibleAs: 'forbidden' };
  }
  return { allowed: true };
}

/** Keeps only the items of tenants the member may see (list endpoints of limited members). */
export function visibleTo<T>(membership: Membership, items: T[], tenantOf: (item: T) => string): T[] {
  return items.filter((item) => {
    const tenantId = tenantOf(item);
    // Workspace-level items (no tenant yet) are visible to every member.
    return tenantId === '' || tenantInScope(membership.tenantScope, tenantId);
  });
}
