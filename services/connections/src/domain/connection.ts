import { connectionError, type ConnectionErrorCode } from './errors';
import type { SealedCredential } from './credential-envelope';

export const PROVIDERS = ['microsoft'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const CONNECTION_TYPES = ['application', 'delegated'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];
export const CONSENT_STATUSES = ['unknown', 'required', 'granted', 'revoked'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export const VERIFICATION_STATUSES = ['unknown', 'pending', 'healthy', 'degraded', 'blocked', 'error'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** What the provider said the app may do, as last read. */
export interface GrantedPermissions {
  application: string[];
  delegated: string[];
  refreshedAt: Date;
}

export interface Connection {
  id: string;
  workspaceId: string;
  tenantId: string;
  provider: Provider;
  displayName: string;
  connectionType: ConnectionType;
  clientId: string;
  targetTenantId: string;
  isDefault: boolean;
  enabled: boolean;
  consentStatus: ConsentStatus;
  verificationStatus: VerificationStatus;
  lastVerifiedAt: Date | null;
  lastReasonCode: string;
  verificationStale: boolean;
  credential: SealedCredential | null;
  credentialRotatedAt: Date | null;
  granted: GrantedPermissions | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The fields whose change makes an earlier verification meaningless. */
export const IDENTIFYING_FIELDS = ['clientId', 'targetTenantId', 'connectionType'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function requireText(value: string | undefined, code: ConnectionErrorCode, what: string): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed) throw connectionError(code, `${what} is required`);
  return trimmed;
}

export function validProvider(value: string | undefined): Provider {
  const provider = (value ?? '').trim() || 'microsoft';
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw connectionError('CONNECTION.INVALID_PROVIDER', `provider must be one of ${PROVIDERS.join(', ')}`);
  }
  return provider as Provider;
}

export function validConnectionType(value: string | undefined): ConnectionType {
  const type = (value ?? '').trim() || 'application';
  if (!(CONNECTION_TYPES as readonly string[]).includes(type)) {
    throw connectionError('CONNECTION.INVALID_CONNECTION_TYPE', `connection_type must be one of ${CONNECTION_TYPES.join(', ')}`);
  }
  return type as ConnectionType;
}

export function validDisplayName(value: string | undefined): string {
  const name = (value ?? '').trim();
  if (name.length < 1 || name.length > 120) {
    throw connectionError('CONNECTION.INVALID_DISPLAY_NAME', 'display_name must be 1 to 120 characters');
  }
  return name;
}

export function validClientId(value: string | undefined): string {
  const id = (value ?? '').trim();
  if (!GUID.test(id)) throw connectionError('CONNECTION.INVALID_CLIENT_ID', 'client_id must be a GUID (the application id)');
  return id.toLowerCase();
}

export function validTargetTenant(value: string | undefined): string {
  const id = (value ?? '').trim();
  if (!GUID.test(id) && !DOMAIN.test(id)) {
    throw connectionError('CONNECTION.INVALID_TARGET_TENANT', 'target_tenant_id must be a tenant GUID or a domain name');
  }
  return id.toLowerCase();
}

/** A client secret: printable, bounded. The message never quotes the value. */
export function validSecret(value: string | undefined): string {
  const secret = value ?? '';
  if (secret.length < 1 || secret.length > 1024 || /[\u0000-\u001f\u007f]/.test(secret)) {
    throw connectionError('CONNECTION.INVALID_SECRET', 'client_secret must be 1 to 1024 printable characters');
  }
  return secret;
}

export function validConsentResult(value: string | undefined): Exclude<ConsentStatus, 'unknown'> {
  const status = (value ?? '').trim();
  if (status !== 'granted' && status !== 'required' && status !== 'revoked') {
    throw connectionError('CONNECTION.INVALID_CONSENT_STATUS', 'consent_status must be granted, required or revoked');
  }
  return status;
}

/** Applies an edit of non-secret fields; returns the changed fields only. */
export function diffEdit(
  current: Connection,
  edit: Partial<Pick<Connection, 'displayName' | 'clientId' | 'targetTenantId' | 'connectionType'>>,
): Partial<Connection> {
  const changes: Partial<Connection> = {};
  for (const [key, value] of Object.entries(edit) as [keyof typeof edit, string | undefined][]) {
    if (value !== undefined && current[key] !== value) (changes as Record<string, unknown>)[key] = value;
  }
  return changes;
}

export function touchesIdentity(changes: Partial<Connection>): boolean {
  return IDENTIFYING_FIELDS.some((field) => field in changes);
}

/** A verification result only means something for the identity it checked. */
export function hadVerification(connection: Connection): boolean {
  return connection.lastVerifiedAt !== null || connection.verificationStatus !== 'unknown';
}

/** The flat, secret-free summary events carry in `before` / `after`. */
export function summary(c: Connection): Record<string, string | boolean | null> {
  return {
    tenantId: c.tenantId,
    provider: c.provider,
    displayName: c.displayName,
    connectionType: c.connectionType,
    clientId: c.clientId,
    targetTenantId: c.targetTenantId,
    isDefault: c.isDefault,
    enabled: c.enabled,
    consentStatus: c.consentStatus,
    verificationStatus: c.verificationStatus,
    hasCredential: c.credential !== null,
  };
}

/** A disabled connection does no provider work and cannot become the default. */
export function assertEnabled(connection: Connection): void {
  if (!connection.enabled) throw connectionError('CONNECTION.DISABLED', 'the connection is disabled');
}
