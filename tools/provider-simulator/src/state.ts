import { createHash, randomBytes } from 'node:crypto';

/**
 * The simulated provider's world: tenants (with consent, granted permissions and directory
 * objects) and scripted faults. Kept apart from HTTP so the rules read on their own.
 */
export interface SimTenantConfig {
  tenantId: string;
  /** other names the login endpoint accepts for this tenant (e.g. contoso.onmicrosoft.com) */
  domains?: string[];
  displayName?: string;
  /** when set, a token request must present exactly this secret */
  clientSecret?: string;
  /** false → sign-in fails with AADSTS65001 (admin consent missing) */
  consentGranted?: boolean;
  applicationPermissions?: string[];
  delegatedPermissions?: string[];
  users?: number;
  groups?: number;
  /** page size when the caller does not ask for one */
  pageSize?: number;
}

export type SimTenant = Required<Omit<SimTenantConfig, 'clientSecret'>> & { clientSecret?: string };

export const FAULT_KINDS = ['throttle', 'unavailable', 'slow', 'forbidden', 'consent_missing', 'unauthorized'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  kind: FaultKind;
  /** token | graph | any (default), or a path prefix such as /v1.0/organization */
  endpoint?: string;
  /** let this many matching requests through before the fault starts */
  skip?: number;
  /** apply to this many matching requests, then stop (default: every one) */
  times?: number;
  /** Retry-After header (seconds) for throttle / unavailable */
  retryAfterSeconds?: number;
  /** delay before answering, for slow */
  delayMs?: number;
}

export interface RecordedRequest {
  at: string;
  method: string;
  /** path without query string */
  path: string;
  tenantId: string | null;
  endpoint: 'token' | 'graph' | 'control' | 'unknown';
  status: number;
  fault: FaultKind | null;
  /** token requests only: whether the presented secret matched the tenant's (never the secret) */
  secretMatched?: boolean;
}

export const DEFAULT_APPLICATION_PERMISSIONS = ['Organization.Read.All', 'Directory.Read.All', 'DeviceManagementConfiguration.Read.All'];
export const DEFAULT_DELEGATED_PERMISSIONS = ['User.Read'];

interface ActiveFault {
  rule: FaultRule;
  seen: number;
}

interface IssuedToken {
  tenantId: string;
  clientId: string;
  expiresAt: number;
}

/** A deterministic GUID for a name: the same directory object keeps its id across requests and restarts. */
export function guidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic GUID for a permission name, like Graph's fixed app role ids. */
export const appRoleId = (permission: string): string => guidFrom(`approle:${permission}`);

export class SimulatorState {
  private readonly tenants = new Map<string, SimTenant>();
  private readonly faults = new Map<string, ActiveFault[]>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly log: RecordedRequest[] = [];

  /** autoTenants: any unknown tenant GUID is treated as a healthy tenant (handy in dev). */
  constructor(private readonly autoTenants: boolean) {}

  setTenant(config: SimTenantConfig): SimTenant {
    const id = config.tenantId.toLowerCase();
    const previous = this.tenants.get(id);
    const tenant: SimTenant = {
      tenantId: id,
      domains: (config.domains ?? previous?.domains ?? []).map((d) => d.toLowerCase()),
      displayName: config.displayName ?? previous?.displayName ?? `Simulated tenant ${id.slice(0, 8)}`,
      consentGranted: config.consentGranted ?? previous?.consentGranted ?? true,
      applicationPermissions: config.applicationPermissions ?? previous?.applicationPermissions ?? DEFAULT_APPLICATION_PERMISSIONS,
      delegatedPermissions: config.delegatedPermissions ?? previous?.delegatedPermissions ?? DEFAULT_DELEGATED_PERMISSIONS,
      users: config.users ?? previous?.users ?? 5,
      groups: config.groups ?? previous?.groups ?? 3,
      pageSize: config.pageSize ?? previous?.pageSize ?? 100,
      clientSecret: 'clientSecret' in config ? config.clientSecret : previous?.clientSecret,
    };
    this.tenants.set(id, tenant);
    return tenant;
  }

  tenant(idOrDomain: string): SimTenant | undefined {
    const key = idOrDomain.toLowerCase();
    const found = this.tenants.get(key) ?? [...this.tenants.values()].find((t) => t.domains.includes(key));
    if (found) return found;
    if (this.autoTenants && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(key)) {
      return this.setTenant({ tenantId: key });
    }
    return undefined;
  }

  addFault(tenantId: string, rule: FaultRule): void {
    const id = tenantId.toLowerCase();
    this.faults.set(id, [...(this.faults.get(id) ?? []), { rule, seen: 0 }]);
  }

  clearFaults(tenantId?: string): void {
    if (tenantId) this.faults.delete(tenantId.toLowerCase());
    else this.faults.clear();
  }

  /** Counts this request against every matching rule and returns the first one that fires. */
  nextFault(tenantId: string, endpoint: 'token' | 'graph', path: string): FaultRule | undefined {
    let fired: FaultRule | undefined;
    for (const fault of this.faults.get(tenantId) ?? []) {
      const target = fault.rule.endpoint ?? 'any';
      const matches = target === 'any' || target === endpoint || (target.startsWith('/') && path.startsWith(target));
      if (!matches) continue;
      fault.seen++;
      const skip = fault.rule.skip ?? 0;
      const active = fault.seen > skip && (fault.rule.times === undefined || fault.seen <= skip + fault.rule.times);
      if (active && !fired) fired = fault.rule;
    }
    return fired;
  }

  issueToken(tenantId: string, clientId: string): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { tenantId, clientId, expiresAt: Date.now() + 3_600_000 });
    return { token, expiresIn: 3600 };
  }

  tokenHolder(token: string): IssuedToken | undefined {
    const issued = this.tokens.get(token);
    return issued && issued.expiresAt > Date.now() ? issued : undefined;
  }

  record(entry: RecordedRequest): void {
    this.log.push(entry);
    if (this.log.length > 10_000) this.log.shift();
  }

  requests(tenantId?: string): RecordedRequest[] {
    return tenantId ? this.log.filter((r) => r.tenantId === tenantId.toLowerCase()) : [...this.log];
  }

  reset(): void {
    this.tenants.clear();
    this.faults.clear();
    this.tokens.clear();
    this.log.length = 0;
  }
}
