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
