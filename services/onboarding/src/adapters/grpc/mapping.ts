import type { Actor } from '@tenantatlas/core';
import { actorFromProto as readActor, actorToProto as writeActor, protoTime } from '@tenantatlas/grpc';
import type { Actor as ProtoActor } from '@tenantatlas/grpc/proto/tenantatlas/common/v1/Actor';
import type { CompactReadiness as ProtoCompactReadiness } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/CompactReadiness';
import type { Draft as ProtoDraft } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/Draft';
import type { NewConnection__Output as ProtoNewConnection } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/NewConnection';
import type { Readiness as ProtoReadiness } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/Readiness';
import type { Tenant as ProtoTenant } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/Tenant';
import { LIFECYCLE_STATES, runOf, type DraftEntity, type LifecycleState } from '../../domain/draft';
import { inputErrors } from '../../domain/errors';
import type { ConnectionEvidence } from '../../domain/evidence';
import { connectionRecentlyUpdated } from '../../domain/lifecycle';
import type { CompactReadiness, NextAction, Readiness } from '../../domain/readiness';
import { TENANT_STATUSES, type TenantStatus } from '../../domain/tenant';
import { requireId } from '../../domain/validation';
import type { DraftCommand } from '../../app/draft-writer';
import type { DraftFilter, DraftRef, NewConnectionInput, TenantRef } from '../../app/ports';
import type { TenantCommand, TenantView } from '../../app/tenant-writer';
import { pageSize } from '../mongo/page-token';


/** The proto Actor (exactly one of user_id / component) as the envelope's actor. */
export function actorFromProto(actor: ProtoActor | null | undefined): Actor {
  const found = readActor(actor);
  if (!found) throw inputErrors.invalid('actor', 'set exactly one of user_id or component');
  return found;
}

/** An enum field: empty means "any", anything else must be one of the values. */
function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T | undefined {
  if (!value) return undefined;
  if (!allowed.includes(value as T)) throw inputErrors.invalid(field, `one of ${allowed.join(', ')}`);
  return value as T;
}

export const workspaceFromProto = (id: string) => requireId('workspace_id', id);

export const draftRefFromProto = (r: { workspace_id: string; draft_id: string }): DraftRef => ({
  workspaceId: workspaceFromProto(r.workspace_id),
  draftId: requireId('draft_id', r.draft_id),
});

export const tenantRefFromProto = (r: { workspace_id: string; tenant_id: string }): TenantRef => ({
  workspaceId: workspaceFromProto(r.workspace_id),
  tenantId: requireId('tenant_id', r.tenant_id),
});

/** What every operator mutation request carries besides the object it changes. */
type ProtoMutation = { actor: ProtoActor | null | undefined; expected_version: number };

/** An operator mutation of a draft: which draft, who, and the version they last read. */
export const draftCommandFromProto = (r: ProtoMutation & { workspace_id: string; draft_id: string }): DraftCommand => ({
  ...draftRefFromProto(r),
  actor: actorFromProto(r.actor),
  expectedVersion: r.expected_version,
});

/** An operator mutation of a tenant: which tenant, who, and the version they last read. */
export const tenantCommandFromProto = (r: ProtoMutation & { workspace_id: string; tenant_id: string }): TenantCommand => ({
  ...tenantRefFromProto(r),
  actor: actorFromProto(r.actor),
  expectedVersion: r.expected_version,
});

export const pageFromProto = (r: { page?: { page_size?: number; page_token?: string } | null }) => ({
  pageSize: pageSize(r.page?.page_size),
  pageToken: r.page?.page_token ?? '',
});

export const draftFilterFromProto = (r: { tenant_id: string; lifecycle_state: string; include_terminal: boolean }): DraftFilter => ({
  tenantId: r.tenant_id || undefined,
  lifecycleState: oneOf<LifecycleState>('lifecycle_state', r.lifecycle_state, LIFECYCLE_STATES),
  includeTerminal: r.include_terminal,
});

export const tenantStatusFromProto = (status: string): TenantStatus | undefined => oneOf<TenantStatus>('status', status, TENANT_STATUSES);

export function actorToProto(actor: Actor | null | undefined): ProtoActor | null {
  return actor ? writeActor(actor) : null;
}

/** The connection to create with the draft's tenant; the secret is passed on, never kept. */
export function newConnectionFromProto(n: ProtoNewConnection | null | undefined): NewConnectionInput | null {
  if (!n) return null;
  return {
    displayName: n.display_name,
    connectionType: n.connection_type,
    clientId: n.client_id,
    targetTenantId: n.target_tenant_id,
    clientSecret: n.client_secret,
    makeDefault: n.make_default,
  };
}

export function tenantToProto({ tenant: t, operability: o }: TenantView): ProtoTenant {
  return {
    id: t.id,
    workspace_id: t.workspaceId,
    external_tenant_id: t.externalTenantId,
    name: t.name,
    primary_domain: t.primaryDomain,
    status: t.status,
    operability: {
      can_onboard: o.canOnboard,
      can_run_operations: o.canRunOperations,
      can_select_as_context: o.canSelectAsContext,
      can_archive: o.canArchive,
      can_restore: o.canRestore,
      can_edit: o.canEdit,
    },
    version: t.version,
    created_at: protoTime(t.createdAt),
    updated_at: protoTime(t.updatedAt),
    activated_at: protoTime(t.activatedAt),
    archived_at: protoTime(t.archivedAt),
  };
}

function bootstrapRuns(d: DraftEntity) {
  return d.state.bootstrapRuns.map((ref) => {
    const run = runOf(d, ref.runId);
    return { type: ref.type, run_id: ref.runId, status: run?.status ?? '', outcome: run?.outcome ?? '', reason_code: run?.reasonCode ?? '' };
  });
}

export function draftToProto(d: DraftEntity): ProtoDraft {
  const o = d.activationOverride;
  return {
    id: d.id,
    workspace_id: d.workspaceId,
    tenant_id: d.tenantId ?? '',
    external_tenant_id: d.externalTenantId,
    tenant_name: d.tenantName,
    primary_domain: d.primaryDomain,
    current_step: d.currentStep,
    version: d.version,
    lifecycle_state: d.lifecycleState,
    current_checkpoint: d.currentCheckpoint ?? '',
    last_completed_checkpoint: d.lastCompletedCheckpoint ?? '',
    reason_code: d.reasonCode,
    blocking_reason_code: d.blockingReasonCode,
    completed_at: protoTime(d.completedAt),
    cancelled_at: protoTime(d.cancelledAt),
    cancel_reason: d.cancelReason,
    started_by: actorToProto(d.startedBy),
    updated_by: actorToProto(d.updatedBy),
    created_at: protoTime(d.createdAt),
    updated_at: protoTime(d.updatedAt),
    state: {
      selected_connection_id: d.state.selectedConnectionId ?? '',
      verification_run_id: d.state.verificationRunId ?? '',
      verification_connection_id: d.state.verificationConnectionId ?? '',
      bootstrap_types: d.state.bootstrapTypes,
      bootstrap_runs: bootstrapRuns(d),
      connection_recently_updated: connectionRecentlyUpdated(d),
    },
    activation_override: o
      ? {
          reason: o.reason,
          actor: actorToProto(o.actor),
          at: protoTime(o.at),
          overridden_state: o.overriddenState,
          overridden_reason_code: o.overriddenReasonCode,
        }
      : null,
  };
}

const nextActionToProto = (a: NextAction) => ({ kind: a.kind, label: a.label, run_id: a.runId });

function providerSentence(c: ConnectionEvidence): string {
  if (!c.enabled) return 'The connection is disabled.';
  if (c.consentStatus === 'required' || c.consentStatus === 'revoked') return 'Admin consent is missing for this connection.';
  if (c.verificationStatus === 'healthy') return 'The connection is healthy.';
  if (c.verificationStatus === 'degraded') return 'The connection works but some permissions are missing.';
  if (c.verificationStatus === 'blocked' || c.verificationStatus === 'error') return 'The connection cannot reach the tenant.';
  return 'The connection has not been verified yet.';
}

export function readinessToProto(draft: DraftEntity, r: Readiness): ProtoReadiness {
  const c = r.facts.connection;
  return {
    draft_id: r.draftId,
    version: r.version,
    lifecycle_state: r.lifecycle.lifecycleState,
    current_checkpoint: r.lifecycle.currentCheckpoint ?? '',
    last_completed_checkpoint: r.lifecycle.lastCompletedCheckpoint ?? '',
    ready: r.ready,
    provider: c
      ? {
          connection_id: c.connectionId,
          display_name: c.displayName,
          provider: c.provider,
          consent_status: c.consentStatus,
          verification_status: c.verificationStatus,
          enabled: c.enabled,
          is_default: c.isDefault,
          summary: providerSentence(c),
        }
      : { connection_id: r.facts.selectedConnectionId ?? '', summary: r.facts.selectedConnectionId ? 'The connection could not be read.' : 'No provider connection selected.' },
    verification: {
      status: r.verification.status,
      run_id: r.verification.runId,
      outcome: r.verification.outcome,
      reason_code: r.verification.reasonCode,
      is_active: r.verification.isActive,
      matches_selected_connection: r.verification.matchesSelectedConnection,
    },
    bootstrap: bootstrapRuns(draft),
    freshness: {
      connection_recently_updated: r.freshness.connectionRecentlyUpdated,
      verification_mismatch: r.freshness.verificationMismatch,
      permission_last_refreshed_at: protoTime(r.freshness.permissionLastRefreshedAt),
      permission_data_is_stale: r.freshness.permissionDataIsStale,
    },
    blocker: {
      reason_code: r.blocker.reasonCode,
      blocking_reason_code: r.blocker.blockingReasonCode,
      operator_summary: r.blocker.operatorSummary,
    },
    next_action: nextActionToProto(r.nextAction),
    from_stored_evidence: r.fromStoredEvidence,
  };
}

export function compactToProto(r: CompactReadiness): ProtoCompactReadiness {
  return {
    lifecycle_state: r.lifecycleState,
    stage_label: r.stageLabel,
    ready: r.ready,
    blocking_reason_code: r.blockingReasonCode,
    next_action: nextActionToProto(r.nextAction),
  };
}
