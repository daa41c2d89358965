import { isTerminal, type Checkpoint, type DraftEntity, type LifecycleFields, type LifecycleState } from './draft';
import { isRunActive } from './evidence';
import { factsOf, recalculate, verificationFreshness, type LifecycleFacts } from './lifecycle';

/** Readiness summary (spec 240): derived on request, never persisted. */
export type NextActionKind =
  | 'identify_tenant'
  | 'connect_provider'
  | 'grant_consent'
  | 'review_permissions'
  | 'start_verification'
  | 'rerun_verification'
  | 'open_operation'
  | 'review_bootstrap'
  | 'complete_onboarding'
  | 'none';

export interface NextAction {
  kind: NextActionKind;
  label: string;
  runId: string;
}

export const NEXT_ACTION_LABELS: Record<NextActionKind, string> = {
  identify_tenant: 'Identify tenant',
  connect_provider: 'Connect provider',
  grant_consent: 'Grant consent',
  review_permissions: 'Review permissions',
  start_verification: 'Start verification',
  rerun_verification: 'Rerun verification',
  open_operation: 'Open operation',
  review_bootstrap: 'Review bootstrap',
  complete_onboarding: 'Complete onboarding',
  none: '',
};

const action = (kind: NextActionKind, runId = ''): NextAction => ({ kind, label: NEXT_ACTION_LABELS[kind], runId });

const mentions = (code: string, word: string) => code.toUpperCase().includes(word);

/** Consent is missing when the connection says so or the verification failed for that reason. */
function consentMissing(f: LifecycleFacts): boolean {
  if (f.connection && (f.connection.consentStatus === 'required' || f.connection.consentStatus === 'revoked')) return true;
  const run = f.verificationRun;
  return verificationFreshness(f) === 'current' && run?.status === 'completed' && run.outcome !== 'succeeded' && mentions(run.reasonCode, 'CONSENT');
}

function permissionsBlocked(f: LifecycleFacts): boolean {
  const c = f.connection;
  // Missing counts mean something only once the permissions were actually read.
  if (c && (c.verificationStatus === 'degraded' || (c.missingPermissionCount > 0 && c.permissionsLastRefreshedAt !== null))) return true;
  const run = f.verificationRun;
  return verificationFreshness(f) === 'current' && run?.status === 'completed' && run.outcome !== 'succeeded' && mentions(run.reasonCode, 'PERMISSION');
}

/**
 * One next action, by the precedence of seed 004: identify tenant → connect provider → grant
 * consent → review permissions → start/rerun verification → open operation → review bootstrap →
 * complete onboarding.
 */
export function nextAction(f: LifecycleFacts, lifecycle: Pick<LifecycleFields, 'lifecycleState'>): NextAction {
  if (lifecycle.lifecycleState === 'completed' || lifecycle.lifecycleState === 'cancelled') return action('none');
  if (!f.tenantIdentified) return action('identify_tenant');
  if (!f.selectedConnectionId || (f.connection && !f.connection.enabled)) return action('connect_provider');
  if (consentMissing(f)) return action('grant_consent');
  if (permissionsBlocked(f)) return action('review_permissions');
  const freshness = verificationFreshness(f);
  if (freshness === 'none') return action('start_verification');
  const run = f.verificationRun;
  if (freshness !== 'current') return action('rerun_verification');
  if (!run || isRunActive(run)) return action('open_operation', f.verificationRunId ?? '');
  if (run.outcome !== 'succeeded') return action('rerun_verification');
  const pending = f.bootstrap.find((b) => !b.run || b.run.status !== 'completed' || (b.run.outcome !== 'succeeded' && b.run.outcome !== 'partially_succeeded'));
  if (pending) return action('review_bootstrap', pending.runId);
  return action('complete_onboarding');
}

const OPERATOR_SENTENCES: Record<string, string> = {
  TENANT_NOT_IDENTIFIED: 'Identify the tenant to start onboarding.',
  CONNECTION_NOT_SELECTED: 'Select or create a provider connection.',
  CONNECTION_DISABLED: 'The selected connection is disabled; enable it or select another one.',
  CONSENT_MISSING: 'Admin consent has not been granted for the selected connection.',
  VERIFICATION_NOT_STARTED: 'Access has not been verified yet.',
  VERIFICATION_CONNECTION_MISMATCH: 'The last verification checked a different connection; verify the selected one.',
  VERIFICATION_STALE: 'The connection changed after it was verified; verify it again.',
  VERIFICATION_IN_PROGRESS: 'Verification is running.',
  VERIFICATION_FAILED: 'Verification failed; review the operation and verify again.',
  VERIFICATION_CANCELLED: 'Verification was cancelled; verify again.',
  CONNECTION_NOT_HEALTHY: 'The connection is not healthy; review its permissions.',
  BOOTSTRAP_IN_PROGRESS: 'Bootstrap operations are running.',
  BOOTSTRAP_FAILED: 'A bootstrap operation did not succeed; review it.',
};

export function operatorSentence(reasonCode: string): string {
  return OPERATOR_SENTENCES[reasonCode] ?? '';
}

const STAGE_LABELS: Record<Checkpoint, string> = {
  identify: 'Identify tenant',
  connect_provider: 'Connect provider',
  verify_access: 'Verify access',
  bootstrap: 'Bootstrap',
  complete: 'Complete',
};

export function stageLabel(lifecycle: Pick<LifecycleFields, 'lifecycleState' | 'currentCheckpoint'>): string {
  if (lifecycle.lifecycleState === 'completed') return 'Completed';
  if (lifecycle.lifecycleState === 'cancelled') return 'Cancelled';
  return STAGE_LABELS[lifecycle.currentCheckpoint ?? 'identify'];
}

export type VerificationStatus = 'not_started' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'stale';

export interface Readiness {
  draftId: string;
  version: number;
  lifecycle: LifecycleFields;
  ready: boolean;
  facts: LifecycleFacts;
  verification: {
    status: VerificationStatus;
    runId: string;
    outcome: string;
    reasonCode: string;
    isActive: boolean;
    matchesSelectedConnection: boolean;
  };
  freshness: {
    connectionRecentlyUpdated: boolean;
    verificationMismatch: boolean;
    permissionLastRefreshedAt: Date | null;
    permissionDataIsStale: boolean;
  };
  blocker: { reasonCode: string; blockingReasonCode: string; operatorSummary: string };
  nextAction: NextAction;
  fromStoredEvidence: boolean;
}

function verificationStatus(f: LifecycleFacts): VerificationStatus {
  const freshness = verificationFreshness(f);
  if (freshness === 'none') return 'not_started';
  if (freshness !== 'current') return 'stale';
  const run = f.verificationRun;
  if (!run) return 'queued';
  if (run.status !== 'completed') return run.status;
  if (run.outcome === 'succeeded') return 'succeeded';
  return run.outcome === 'cancelled' ? 'cancelled' : 'failed';
}

export function computeReadiness(draft: DraftEntity, fromStoredEvidence = false): Readiness {
  const facts = factsOf(draft);
  const lifecycle = recalculate(draft);
  const run = facts.verificationRun;
  const blocked = lifecycle.lifecycleState === 'action_required';
  return {
    draftId: draft.id,
    version: draft.version,
    lifecycle,
    ready: !isTerminal(draft) && lifecycle.lifecycleState === 'ready_for_activation',
    facts,
    verification: {
      status: verificationStatus(facts),
      runId: facts.verificationRunId ?? '',
      outcome: run?.outcome ?? '',
      reasonCode: run?.reasonCode ?? '',
      isActive: !!facts.verificationRunId && (!run || isRunActive(run)),
      matchesSelectedConnection: !!facts.verificationRunId && facts.verificationConnectionId === facts.selectedConnectionId,
    },
    freshness: {
      connectionRecentlyUpdated: facts.connectionRecentlyUpdated,
      verificationMismatch: verificationFreshness(facts) === 'mismatch',
      permissionLastRefreshedAt: facts.connection?.permissionsLastRefreshedAt ?? null,
      permissionDataIsStale: facts.connection?.permissionsStale ?? false,
    },
    blocker: {
      reasonCode: lifecycle.reasonCode,
      blockingReasonCode: lifecycle.blockingReasonCode,
      operatorSummary: blocked ? operatorSentence(lifecycle.reasonCode) : '',
    },
    nextAction: nextAction(facts, lifecycle),
    fromStoredEvidence,
  };
}

export interface CompactReadiness {
  lifecycleState: LifecycleState;
  stageLabel: string;
  ready: boolean;
  blockingReasonCode: string;
  nextAction: NextAction;
}

/** The picker's one-line form, from stored evidence only. */
export function compactReadiness(draft: DraftEntity): CompactReadiness {
  const r = computeReadiness(draft, true);
  return {
    lifecycleState: r.lifecycle.lifecycleState,
    stageLabel: stageLabel(r.lifecycle),
    ready: r.ready,
    blockingReasonCode: r.lifecycle.blockingReasonCode,
    nextAction: r.nextAction,
  };
}
