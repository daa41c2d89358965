import type { Actor, EventEnvelope, TenantDirectory } from '@tenantatlas/shared';
import type { Connection } from '../domain/connection';
import type { Keyring } from '../domain/credential-envelope';
import type { RequiredPermissions } from '../domain/permissions';
import type { ProviderAdapter } from '../domain/provider';

/** Raised by the repository when a write would give a tenant a second default connection. */
export class DefaultTakenError extends Error {
  constructor() {
    super('the tenant already has a default connection');
    this.name = 'DefaultTakenError';
  }
}

export interface ConnectionPage {
  connections: Connection[];
  /** the cursor for the next page, undefined after the last */
  next?: string;
}

/** Storage of connections. Every read and write is scoped by workspace. */
export interface ConnectionRepository {
  /** Inserts with the events it produces; DefaultTakenError if isDefault collides. */
  insert(connection: Connection, events: EventEnvelope[]): Promise<void>;
  /** null when the connection is not in this workspace, or (when tenantId is given) not this tenant's */
  find(workspaceId: string, id: string, tenantId?: string): Promise<Connection | null>;
  findDefault(workspaceId: string, tenantId: string): Promise<Connection | null>;
  list(workspaceId: string, tenantId: string | undefined, cursor: string | undefined, limit: number): Promise<ConnectionPage>;
  /**
   * Compare-and-set on `version`: applies `changes` (plus version+1) only if the stored version is
   * still `current.version`. Returns the new state, or null when someone else changed it first.
   * DefaultTakenError if the change makes it a second default.
   */
  update(current: Connection, changes: Partial<Connection>, events: (after: Connection) => EventEnvelope[]): Promise<Connection | null>;
}

/** The managed tenants of a workspace, as their owner (onboarding) answers. */
export type { TenantDirectory };

export interface ConnectionsContext {
  repository: ConnectionRepository;
  tenants: TenantDirectory;
  keyring: Keyring;
  providers: Map<string, ProviderAdapter>;
  required: RequiredPermissions;
  now: () => Date;
}

export type { Actor };
