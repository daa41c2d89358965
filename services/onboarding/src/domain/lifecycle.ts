import { isTerminal, LIFECYCLE_FIELDS, lifecycleOf, runOf, type DraftEntity, type LifecycleFields } from './draft';
import type { ConnectionEvidence, RunEvidence } from './evidence';

/**
 * Canonical lifecycle recalculation (spec 140): the draft's lifecycle state and checkpoints are a
 * pure function of stored evidence. Nothing a screen showed feeds into it.
 */
export interface LifecycleFacts {
  tenantIdentified: boolean;
  selectedConnectionId: string | null;
  /** the selected connection as last observed (null when never read) */
  connection: ConnectionEvidence | null;
  verificationRun: RunEvidence | null;
  /** a verification run is recorded but no evidence about it arrived yet */
  verificationRunId: string | null;
  verificationConnectionId: string | null;
  /** the selected connection changed after the verification run was created */
  connectionRecentlyUpdated: boolean;
  bootstrap: { type: string; runId: string; run: RunEvidence | null }[];
}

export type VerificationFreshness = 'none' | 'mismatch' | 'stale' | 'current';

const CONSENT_BLOCKED = new Set(['required', 'revoked']);
const CONNECTION_UNHEALTHY = new Set(['degraded', 'blocked', 'error']);

export function connectionRecentlyUpdated(draft: Pick<DraftEntity, 'evidence' | 'state'>): boolean {
  const run = runOf(draft, draft.state.verificationRunId);
  const changedAt = draft.evidence.connectionChangedAt;
  if (!draft.state.verificationRunId || !changedAt) return false;
  // Without the run's creation time we cannot prove the change came first: treat it as stale.
  if (!run?.createdAt) return true;
  return changedAt > run.createdAt;
}

export function factsOf(draft: DraftEntity): LifecycleFacts {
  const selected = draft.state.selectedConnectionId;
  const connection = draft.evidence.connection && draft.evidence.connection.connectionId === selected ? draft.evidence.connection : null;
  return {
    tenantIdentified: !!draft.tenantId,
    selectedConnectionId: selected,
    connection,
    verificationRun: runOf(draft, draft.state.verificationRunId),
    verificationRunId: draft.state.verificationRunId,
    verificationConnectionId: draft.state.verificationConnectionId,
    connectionRecentlyUpdated: connectionRecentlyUpdated(draft),
    bootstrap: draft.state.bootstrapRuns.map((ref) => ({ ...ref, run: runOf(draft, ref.runId) })),
  };
}

export function verificationFreshness(f: LifecycleFacts): VerificationFreshness {
  if (!f.verificationRunId) return 'none';
  if (f.verificationConnectionId !== f.selectedConnectionId) return 'mismatch';
  if (f.connectionRecentlyUpdated) return 'stale';
  return 'current';
}

const at = (
  lifecycleState: LifecycleFields['lifecycleState'],
  currentCheckpoint: LifecycleFields['currentCheckpoint'],
  lastCompletedCheckpoint: LifecycleFields['lastCompletedCheckpoint'],
  reasonCode = '',
  blockingReasonCode = '',
): LifecycleFields => ({ lifecycleState, currentCheckpoint, lastCompletedCheckpoint, reasonCode, blockingReasonCode });

function succeeded(run: RunEvidence | null, allowPartial: boolean): boolean {
  return !!run && run.status === 'completed' && (run.outcome === 'succeeded' || (allowPartial && run.outcome === 'partially_succeeded'));
}

/** Recalculates a non-terminal draft's lifecycle. Terminal drafts keep theirs (see recalculate). */
export function deriveLifecycle(f: LifecycleFacts): LifecycleFields {
  if (!f.tenantIdentified) return at('draft', 'identify', null, 'TENANT_NOT_IDENTIFIED');
  if (!f.selectedConnectionId) return at('draft', 'connect_provider', 'identify', 'CONNECTION_NOT_SELECTED');
  const c = f.connection;
  if (c && !c.enabled) return at('action_required', 'connect_provider', 'identify', 'CONNECTION_DISABLED', 'CONNECTION.DISABLED');
  if (c && CONSENT_BLOCKED.has(c.consentStatus)) {
    return at('action_required', 'verify_access', 'connect_provider', 'CONSENT_MISSING', 'PROVIDER.CONSENT_MISSING');
  }
  const freshness = verificationFreshness(f);
  if (freshness === 'none') return at('draft', 'verify_access', 'connect_provider', 'VERIFICATION_NOT_STARTED');
  if (freshness === 'mismatch') return at('action_required', 'verify_access', 'connect_provider', 'VERIFICATION_CONNECTION_MISMATCH');
  if (freshness === 'stale') return at('action_required', 'verify_access', 'connect_provider', 'VERIFICATION_STALE');
  const run = f.verificationRun;
  if (!run || run.status !== 'completed') return at('verifying', 'verify_access', 'connect_provider', 'VERIFICATION_IN_PROGRESS');
  if (!succeeded(run, false)) {
    const reason = run.outcome === 'cancelled' ? 'VERIFICATION_CANCELLED' : 'VERIFICATION_FAILED';
    return at('action_required', 'verify_access', 'connect_provider', reason, run.reasonCode || reason);
  }
  if (c && CONNECTION_UNHEALTHY.has(c.verificationStatus)) {
    const blocking = c.lastReasonCode || (c.verificationStatus === 'degraded' ? 'PROVIDER.PERMISSION_MISSING' : 'CONNECTION.NOT_HEALTHY');
    return at('action_required', 'verify_access', 'connect_provider', 'CONNECTION_NOT_HEALTHY', blocking);
  }
  if (f.bootstrap.length === 0) return at('ready_for_activation', 'complete', 'verify_access');
  const failed = f.bootstrap.find((b) => b.run?.status === 'completed' && !succeeded(b.run, true));
  if (failed) return at('action_required', 'bootstrap', 'verify_access', 'BOOTSTRAP_FAILED', failed.run?.reasonCode || 'BOOTSTRAP_FAILED');
  if (f.bootstrap.some((b) => !b.run || b.run.status !== 'completed')) {
    return at('bootstrapping', 'bootstrap', 'verify_access', 'BOOTSTRAP_IN_PROGRESS');
  }
  return at('ready_for_activation', 'complete', 'bootstrap');
}

/** The lifecycle a draft should have now; terminal drafts are immutable and keep theirs. */
export function recalculate(draft: DraftEntity): LifecycleFields {
  if (isTerminal(draft)) return lifecycleOf(draft);
  return deriveLifecycle(factsOf(draft));
}

export function sameLifecycle(a: LifecycleFields, b: LifecycleFields): boolean {
  return LIFECYCLE_FIELDS.every((field) => a[field] === b[field]);
}
