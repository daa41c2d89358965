import type { Actor } from '@tenantatlas/core';
import type { EventEnvelope } from '@tenantatlas/kafka';
import type { DraftEntity, LifecycleState } from '../domain/draft';
import type { ConnectionEvidence, RunEvidence } from '../domain/evidence';
import type { TenantEntity, TenantStatus } from '../domain/tenant';

/** Operations service, as onboarding needs it. */
export interface OperationsPort {
  startRun(input: {
    workspaceId: string;
    actor: Actor;
    tenantId: string;
    type: string;
    subject: string;
    context?: Record<string, string>;
    idempotencyKey?: string;
  }): Promise<{ run: RunEvidence; deduplicated: boolean }>;
  /** null when the run does not exist (in this workspace) */
  getRun(workspaceId: string, runId: string): Promise<RunEvidence | null>;
}

export interface NewConnectionInput {
  displayName: string;
  connectionType: string;
  clientId: string;
  targetTenantId: string;
  /** write-only; forwarded, never stored or logged here */
  clientSecret: string;
  makeDefault: boolean;
}

/** Connections service, as onboarding needs it. */
export interface ConnectionsPort {
  /** null when the connection does not exist for this workspace (and tenant) */
  getConnection(workspaceId: string, connectionId: string, tenantId?: string): Promise<ConnectionEvidence | null>;
  createConnection(workspaceId: string, actor: Actor, tenantId: string, input: NewConnectionInput): Promise<ConnectionEvidence>;
}

/** A draft of a workspace (a draft of another workspace is not found). */
export interface DraftRef {
  workspaceId: string;
  draftId: string;
}

/** A tenant of a workspace (a tenant of another workspace is not found). */
export interface TenantRef {
  workspaceId: string;
  tenantId: string;
}

/** Who acts, and the version of the draft or tenant they last read: every operator mutation carries both. */
export interface OperatorMutation {
  actor: Actor;
  expectedVersion: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

export interface DraftFilter {
  tenantId?: string;
  lifecycleState?: LifecycleState;
  includeTerminal: boolean;
}

export interface DraftRepository {
  /** Inserts a new draft with its events. Throws TENANT.ONBOARDING_IN_PROGRESS when the tenant already has an open draft. */
  insert(draft: DraftEntity, events: EventEnvelope[]): Promise<DraftEntity>;
  get(workspaceId: string, draftId: string): Promise<DraftEntity | null>;
  /**
   * Replaces the draft if its revision is still `expectedRevision`; null when someone wrote in
   * between (the caller re-reads and decides). Throws TENANT.ONBOARDING_IN_PROGRESS when linking a
   * tenant that has another open draft; `tenantSlotHeld` says the draft already holds its tenant's
   * open-draft slot (it was open and linked to the same tenant before this write).
   */
  save(next: DraftEntity, expectedRevision: number, events: EventEnvelope[], options?: { tenantSlotHeld?: boolean }): Promise<DraftEntity | null>;
  findOpenByTenant(workspaceId: string, tenantId: string): Promise<DraftEntity | null>;
  /** Open drafts that may care about a fact of this tenant (a run or a connection of it). */
  findOpenForEvidence(workspaceId: string, match: { tenantId?: string | null }): Promise<DraftEntity[]>;
  list(workspaceId: string, filter: DraftFilter, pageSize: number, pageToken: string): Promise<Page<DraftEntity>>;
}

export interface TenantRepository {
  /** null when (workspace, external id) already exists: the unique index decided. */
  insert(tenant: TenantEntity, events: EventEnvelope[]): Promise<TenantEntity | null>;
  get(workspaceId: string, tenantId: string): Promise<TenantEntity | null>;
  findByExternalId(workspaceId: string, externalTenantId: string): Promise<TenantEntity | null>;
  /** Stores `after` as the tenant's version `after.version` with its events; false when another change took that version first. */
  appendVersion(after: TenantEntity, events: EventEnvelope[]): Promise<boolean>;
  list(workspaceId: string, status: TenantStatus | undefined, pageSize: number, pageToken: string): Promise<Page<TenantEntity>>;
}

export interface Clock {
  now(): Date;
}

export interface OnboardingDeps {
  drafts: DraftRepository;
  tenants: TenantRepository;
  operations: OperationsPort;
  connections: ConnectionsPort;
  clock: Clock;
  ids: () => string;
  verificationRunType: string;
}
