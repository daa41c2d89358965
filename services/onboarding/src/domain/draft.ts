import type { Actor } from '@tenantatlas/core';
import { draftErrors } from './errors';
import type { ConnectionEvidence, RunEvidence } from './evidence';
import type { TenantEntity } from './tenant';

export const LIFECYCLE_STATES = [
  'draft',
  'verifying',
  'action_required',
  'bootstrapping',
  'ready_for_activation',
  'completed',
  'cancelled',
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];
export const TERMINAL_STATES: readonly LifecycleState[] = ['completed', 'cancelled'];

export const CHECKPOINTS = ['identify', 'connect_provider', 'verify_access', 'bootstrap', 'complete'] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

export const STEPS = ['identify', 'connect', 'verify', 'bootstrap', 'complete'] as const;
export type Step = (typeof STEPS)[number];

/** The wizard step that shows each checkpoint. */
export const STEP_OF_CHECKPOINT: Record<Checkpoint, Step> = {
  identify: 'identify',
  connect_provider: 'connect',
  verify_access: 'verify',
  bootstrap: 'bootstrap',
  complete: 'complete',
};

export interface BootstrapRunRef {
  type: string;
  runId: string;
}

/** The draft's state object: only these keys exist (spec 240 STATE_ALLOWED_KEYS). */
export interface DraftState {
  selectedConnectionId: string | null;
  verificationRunId: string | null;
  verificationConnectionId: string | null;
  bootstrapTypes: string[];
  bootstrapRuns: BootstrapRunRef[];
}

export interface DraftEvidence {
  runs: RunEvidence[];
  /** the selected connection as last observed */
  connection: ConnectionEvidence | null;
  /** latest time the selected connection changed in a way that invalidates a verification */
  connectionChangedAt: Date | null;
}

export interface ActivationOverride {
  reason: string;
  actor: Actor;
  at: Date;
  overriddenState: LifecycleState;
  overriddenReasonCode: string;
}

/** Lifecycle fields: always recalculated from evidence (see lifecycle.ts), never set by a screen. */
export interface LifecycleFields {
  lifecycleState: LifecycleState;
  currentCheckpoint: Checkpoint | null;
  lastCompletedCheckpoint: Checkpoint | null;
  reasonCode: string;
  blockingReasonCode: string;
}

export const LIFECYCLE_FIELDS = ['lifecycleState', 'currentCheckpoint', 'lastCompletedCheckpoint', 'reasonCode', 'blockingReasonCode'] as const;

/** Just the lifecycle fields of a draft (they are recalculated, compared and reported together). */
export function lifecycleOf(draft: LifecycleFields): LifecycleFields {
  return Object.fromEntries(LIFECYCLE_FIELDS.map((field) => [field, draft[field]])) as unknown as LifecycleFields;
}

export interface DraftEntity extends LifecycleFields {
  id: string;
  workspaceId: string;
  tenantId: string | null;
  externalTenantId: string;
  tenantName: string;
  primaryDomain: string;
  currentStep: Step;
  /** operator-facing optimistic lock: bumped by every operator mutation */
  version: number;
  /** bumped by every write (operator or evidence); guards read-modify-write */
  revision: number;
  completedAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string;
  startedBy: Actor;
  updatedBy: Actor;
  createdAt: Date;
  updatedAt: Date;
  state: DraftState;
  evidence: DraftEvidence;
  activationOverride: ActivationOverride | null;
}

export function isTerminal(draft: Pick<DraftEntity, 'lifecycleState'>): boolean {
  return TERMINAL_STATES.includes(draft.lifecycleState);
}

/**
 * The guard every operator mutation passes: terminal drafts are immutable, and a stale expected
 * version is a conflict that names the current one.
 */
export function assertMutable(draft: DraftEntity, expectedVersion: number): void {
  if (isTerminal(draft)) throw draftErrors.terminal(draft.id, draft.lifecycleState);
  if (draft.version !== expectedVersion) throw draftErrors.versionConflict(draft.version, expectedVersion);
}

export function emptyState(): DraftState {
  return {
    selectedConnectionId: null,
    verificationRunId: null,
    verificationConnectionId: null,
    bootstrapTypes: [],
    bootstrapRuns: [],
  };
}

/**
 * A draft as it opens: version 1, nothing selected, optionally already linked to its tenant. Its
 * lifecycle fields are the starting ones; the app derives the real ones from its facts.
 */
export function openedDraft(input: {
  id: string;
  workspaceId: string;
  actor: Actor;
  now: Date;
  tenant: Pick<TenantEntity, 'id' | 'externalTenantId' | 'name' | 'primaryDomain'> | null;
}): DraftEntity {
  const { tenant, actor, now } = input;
  return {
    id: input.id,
    workspaceId: input.workspaceId,
    tenantId: tenant?.id ?? null,
    externalTenantId: tenant?.externalTenantId ?? '',
    tenantName: tenant?.name ?? '',
    primaryDomain: tenant?.primaryDomain ?? '',
    currentStep: tenant ? 'connect' : 'identify',
    version: 1,
    revision: 1,
    lifecycleState: 'draft',
    currentCheckpoint: 'identify',
    lastCompletedCheckpoint: null,
    reasonCode: '',
    blockingReasonCode: '',
    completedAt: null,
    cancelledAt: null,
    cancelReason: '',
    startedBy: actor,
    updatedBy: actor,
    createdAt: now,
    updatedAt: now,
    state: emptyState(),
    evidence: { runs: [], connection: null, connectionChangedAt: null },
    activationOverride: null,
  };
}

export function runOf(draft: Pick<DraftEntity, 'evidence'>, runId: string | null): RunEvidence | null {
  if (!runId) return null;
  return draft.evidence.runs.find((r) => r.runId === runId) ?? null;
}

/** Run ids the draft refers to; their evidence is never dropped. */
export function referencedRunIds(state: DraftState): Set<string> {
  const ids = new Set(state.bootstrapRuns.map((r) => r.runId));
  if (state.verificationRunId) ids.add(state.verificationRunId);
  return ids;
}

/** The furthest wizard step the checkpoints allow. */
export function maxReachableStep(draft: Pick<DraftEntity, 'currentCheckpoint'>): Step {
  return STEP_OF_CHECKPOINT[draft.currentCheckpoint ?? 'identify'];
}

export function stepIndex(step: Step): number {
  return STEPS.indexOf(step);
}

/** The step a mutation moves the wizard to, never backwards. */
export function advanceStep(current: Step, to: Step): Step {
  return stepIndex(to) > stepIndex(current) ? to : current;
}
