import type { ConnectionType } from './connection';

/**
 * The port every provider adapter implements. The domain talks in provider-neutral terms; an
 * adapter (Microsoft Graph first) turns them into calls and its failures into ProviderFailure.
 */
export interface ProviderTarget {
  targetTenantId: string;
  clientId: string;
  /** plaintext only for the duration of one call; never stored, logged or returned */
  clientSecret: string;
  connectionType: ConnectionType;
}

export interface ProviderOrganization {
  id: string;
  displayName: string;
}

export interface ProviderGrants {
  application: string[];
  delegated: string[];
}

export interface InventoryItem {
  id: string;
  displayName: string;
  kind: InventoryResource;
}

export const INVENTORY_RESOURCES = ['users', 'groups'] as const;
export type InventoryResource = (typeof INVENTORY_RESOURCES)[number];

export interface InventoryPage {
  items: InventoryItem[];
  /** opaque; undefined after the last page */
  nextPageToken?: string;
}

export interface ProviderAdapter {
  readonly provider: string;
  /** Proves the credential works and the tenant is reachable. */
  readOrganization(target: ProviderTarget): Promise<ProviderOrganization>;
  /** The permissions granted to the application in the target tenant. */
  readGrants(target: ProviderTarget): Promise<ProviderGrants>;
  listInventory(target: ProviderTarget, resource: InventoryResource, pageToken?: string, pageSize?: number): Promise<InventoryPage>;
}

/** Every way a provider call can fail, in provider-neutral terms. */
export const PROVIDER_FAILURES = [
  'throttled',
  'unavailable',
  'timeout',
  'consent_missing',
  'permission_missing',
  'credential_invalid',
  'tenant_not_found',
  'invalid_page_token',
  'unexpected',
] as const;
export type ProviderFailureKind = (typeof PROVIDER_FAILURES)[number];

/** Where in the check sequence a failure happened (decides which checks are skipped). */
export type ProviderStep = 'token' | 'organization' | 'permissions' | 'inventory';

export class ProviderFailure extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    readonly step: ProviderStep,
    /** sanitized: never a secret, a token or a raw provider body */
    message: string,
    readonly retryAfterMs = 0,
    /** the provider's own code (e.g. AADSTS65001, Authorization_RequestDenied), for diagnostics */
    readonly providerCode = '',
  ) {
    super(message);
    this.name = 'ProviderFailure';
  }
}
