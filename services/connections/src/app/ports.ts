import type { Actor, TenantDirectory } from '@tenantatlas/core';
import type { EventEnvelope } from '@tenantatlas/kafka';
import type { Connection } from '../domain/connection';
import type { Keyring } from '../domain/credential-envelope';
import type { RequiredPermissions } from '../domain/permissions';
import type { ProviderAdapter } from '../domain/provider';

/** The newest version of a tenant's default: which connection it names, taken when. */
export interface DefaultHolder {
  version: number;
  connectionId: string;
  at: Date;
}

export interface ConnectionPage {
  connections: Connection[];
  /** the cursor for the next page, undefined after the last */
  next?: string;
}

/**
 * Storage of connections, as versions: a change is the insert of the next version, which only one
 * of concurrent writers can make. Every read and write is scoped by workspace.
 */
export interface ConnectionRepository {
  /** Stores version 1 with the events it produces (whether it is the default is claimDefault's). */
  insert(connection: Connection, events: EventEnvelope[]): Promise<void>;
  /** null when the connection is not in this workspace, or (when tenantId is given) not this tenant's */
  find(workspaceId: string, id: string, tenantId?: string): Promise<Connection | null>;
  list(workspaceId: string, tenantId: string | undefined, cursor: string | undefined, limit: number): Promise<ConnectionPage>;
  /**
   * Stores version `current.version + 1` with `changes` and its events. Returns the new state, or
   * null when another change took that version first (re-read and decide again).
   */
  update(current: Connection, changes: Partial<Connection>, events: (after: Connection) => EventEnvelope[]): Promise<Connection | null>;
  /** The tenant's default as its newest version names it; null when it never had one. */
  readDefault(workspaceId: string, tenantId: string): Promise<DefaultHolder | null>;
  /** Makes `connectionId` the default as version `version`; false when another move took that version first. */
  claimDefault(workspaceId: string, tenantId: string, version: number, connectionId: string, at: Date, events: EventEnvelope[]): Promise<boolean>;
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
