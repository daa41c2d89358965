import { CHECKPOINTS, lifecycleOf, type Checkpoint, type DraftEntity, type LifecycleFields } from './draft';
import type { TenantEntity } from './tenant';

/**
 * The lifecycle events a change produces, as plain facts (type suffix + data). The app layer wraps
 * them in envelopes and stores them in the outbox with the change. `before`/`after` are flat
 * summaries of the changed fields, never a secret.
 */
export interface EventFact {
  /** `<object>.<verb>`, e.g. `draft.checkpoint_completed` */
  type: FactType;
  subject: string;
  tenantId: string | null;
  data: Record<string, unknown>;
}

export type DraftAction =
  | 'created'
  | 'tenant_identified'
  | 'connection_selected'
  | 'verification_started'
  | 'bootstrap_started'
  | 'step_changed'
  | 'completed'
  | 'cancelled';

export type FactType =
  | `draft.${DraftAction}`
  | 'draft.lifecycle_changed'
  | 'draft.checkpoint_completed'
  | 'draft.checkpoint_reopened'
  | `tenant.${TenantVerb}`;

type Flat = Record<string, string | number | boolean | null>;

const lifecycleSummary = (l: LifecycleFields): Flat => ({ ...lifecycleOf(l) });

export function draftSummary(d: DraftEntity): Flat {
  return {
    ...lifecycleSummary(d),
    version: d.version,
    currentStep: d.currentStep,
    tenantId: d.tenantId,
    externalTenantId: d.externalTenantId,
    selectedConnectionId: d.state.selectedConnectionId,
    verificationRunId: d.state.verificationRunId,
    bootstrapTypes: d.state.bootstrapTypes.join(','),
  };
}

/** Only the keys whose value changed, on both sides. */
export function changedFields(before: Flat, after: Flat): { before: Flat; after: Flat } {
  const b: Flat = {};
  const a: Flat = {};
  for (const key of Object.keys(after)) {
    if (before[key] !== after[key]) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}

function checkpointRank(c: Checkpoint | null): number {
  return c ? CHECKPOINTS.indexOf(c) : -1;
}

/**
 * Events for a draft change: the operator action (if any), a lifecycle change and each checkpoint
 * newly completed. An evidence replay that changes nothing produces nothing.
 */
export function draftEvents(
  before: DraftEntity | null,
  after: DraftEntity,
  action: DraftAction | null,
  extra: Record<string, unknown> = {},
): EventFact[] {
  const subject = `draft/${after.id}`;
  const base = { draftId: after.id, version: after.version };
  const facts: EventFact[] = [];
  const diff = changedFields(before ? draftSummary(before) : {}, draftSummary(after));
  if (action) facts.push({ type: `draft.${action}` as const, subject, tenantId: after.tenantId, data: { ...base, ...diff, ...extra } });
  if (before && before.lifecycleState !== after.lifecycleState && action !== 'completed' && action !== 'cancelled') {
    facts.push({
      type: 'draft.lifecycle_changed',
      subject,
      tenantId: after.tenantId,
      data: { ...base, ...changedFields(lifecycleSummary(before), lifecycleSummary(after)), reasonCode: after.reasonCode },
    });
  }
  // Completion (possibly by override) completes only the final checkpoint, never skipped ones.
  const from = action === 'completed' ? CHECKPOINTS.length - 2 : checkpointRank(before?.lastCompletedCheckpoint ?? null);
  const to = checkpointRank(after.lastCompletedCheckpoint);
  for (let i = from + 1; i <= to; i++) {
    facts.push({ type: 'draft.checkpoint_completed', subject, tenantId: after.tenantId, data: { ...base, checkpoint: CHECKPOINTS[i] } });
  }
  if (before && to < from) {
    facts.push({
      type: 'draft.checkpoint_reopened',
      subject,
      tenantId: after.tenantId,
      data: { ...base, checkpoint: CHECKPOINTS[to + 1], reasonCode: after.reasonCode },
    });
  }
  return facts;
}

export type TenantVerb = 'created' | 'onboarding_started' | 'activated' | 'archived' | 'restored';

export function tenantEvent(before: TenantEntity | null, after: TenantEntity, verb: TenantVerb, extra: Record<string, unknown> = {}): EventFact {
  const summary = (t: TenantEntity): Flat => ({ status: t.status, name: t.name, primaryDomain: t.primaryDomain, version: t.version });
  return {
    type: `tenant.${verb}` as const,
    subject: `tenant/${after.id}`,
    tenantId: after.id,
    data: {
      tenantId: after.id,
      externalTenantId: after.externalTenantId,
      version: after.version,
      ...changedFields(before ? summary(before) : {}, summary(after)),
      ...extra,
    },
  };
}
