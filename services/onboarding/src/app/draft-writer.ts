import type { Actor } from '@tenantatlas/core';
import { assertMutable, isTerminal, openedDraft, type DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { draftEvents, type DraftAction } from '../domain/events';
import { deriveLifecycle, factsOf, recalculate, sameLifecycle } from '../domain/lifecycle';
import type { RunEvidence } from '../domain/evidence';
import type { TenantEntity } from '../domain/tenant';
import { requireVersion } from '../domain/validation';
import { envelopes } from './events';
import type { DraftRef, OnboardingDeps, OperatorMutation } from './ports';

export const SYSTEM_ACTOR: Actor = { kind: 'system', component: 'onboarding' };

/** What every operator mutation of one draft names: the draft, who, and the version they last read. */
export type DraftCommand = DraftRef & OperatorMutation;

/** The draft as stored, or DRAFT.NOT_FOUND. */
export async function existingDraft(deps: OnboardingDeps, ref: DraftRef): Promise<DraftEntity> {
  const draft = await deps.drafts.get(ref.workspaceId, ref.draftId);
  if (!draft) throw draftErrors.notFound(ref.draftId);
  return draft;
}

/** Loads a draft for an operator mutation and applies the guards before any side effect. */
export async function loadMutable(deps: OnboardingDeps, command: DraftCommand): Promise<DraftEntity> {
  const draft = await existingDraft(deps, command);
  assertMutable(draft, requireVersion(command.expectedVersion));
  return draft;
}

export interface StartedRun {
  type: string;
  run: RunEvidence;
  deduplicated: boolean;
}

/**
 * Starts (or reuses) a run for the draft's tenant. The key names the draft, the version the
 * operator acted on and the purpose, so a retried call returns the same run instead of a second one.
 */
export async function startDraftRun(
  deps: OnboardingDeps,
  command: DraftCommand,
  run: { tenantId: string; type: string; subject: string; purpose: string },
): Promise<StartedRun> {
  const started = await deps.operations.startRun({
    workspaceId: command.workspaceId,
    actor: command.actor,
    tenantId: run.tenantId,
    type: run.type,
    subject: run.subject,
    idempotencyKey: `onboarding:${command.draftId}:v${command.expectedVersion}:${run.purpose}`,
  });
  return { type: run.type, ...started };
}

/** A fresh draft, optionally already linked to its tenant (version 1, lifecycle derived). */
export function newDraft(deps: OnboardingDeps, workspaceId: string, actor: Actor, tenant: TenantEntity | null): DraftEntity {
  const draft = openedDraft({ id: deps.ids(), workspaceId, actor, now: deps.clock.now(), tenant });
  return { ...draft, ...deriveLifecycle(factsOf(draft)) };
}

/** Inserts a new draft with its created events; the repository refuses a second open draft of a tenant. */
export async function insertDraft(deps: OnboardingDeps, draft: DraftEntity, actor: Actor): Promise<DraftEntity> {
  const facts = draftEvents(null, draft, 'created');
  return deps.drafts.insert(draft, envelopes(facts, draft.workspaceId, actor, draft.createdAt));
}

export interface DraftChange {
  next: DraftEntity;
  action: DraftAction | null;
  extra?: Record<string, unknown>;
}

export interface WriteOptions extends DraftRef {
  actor: Actor;
  /** operator mutations carry it; evidence writes (system) leave it undefined */
  expectedVersion?: number;
}

const MAX_ATTEMPTS = 20;

/**
 * Read-modify-write of one draft. Operator writes are checked against the expected version on
 * every attempt (so of N concurrent writers with the same version exactly one wins and the rest
 * get DRAFT.VERSION_CONFLICT); any write is applied only if the revision it read is still current,
 * so an evidence update landing in between is re-read rather than overwritten. The lifecycle is
 * always recalculated from the resulting evidence, and the events go into the outbox with the write.
 */
export async function writeDraft(
  deps: OnboardingDeps,
  options: WriteOptions,
  apply: (current: DraftEntity) => DraftChange | null,
): Promise<DraftEntity> {
  const operator = options.expectedVersion !== undefined;
  if (operator) requireVersion(options.expectedVersion);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await existingDraft(deps, options);
    if (operator) assertMutable(current, options.expectedVersion!);
    else if (isTerminal(current)) return current;
    const change = apply(current);
    if (!change) return current;
    const now = deps.clock.now();
    const recalculated = { ...change.next, ...recalculate(change.next) };
    if (!operator && !change.action && sameLifecycle(recalculated, current) && sameEvidence(recalculated, current)) return current;
    const next: DraftEntity = {
      ...recalculated,
      version: operator ? current.version + 1 : current.version,
      revision: current.revision + 1,
      updatedAt: now,
      updatedBy: operator ? options.actor : current.updatedBy,
    };
    const facts = draftEvents(current, next, change.action, change.extra);
    const tenantSlotHeld = !!current.tenantId && current.tenantId === next.tenantId;
    const saved = await deps.drafts.save(next, current.revision, envelopes(facts, options.workspaceId, options.actor, now), { tenantSlotHeld });
    if (saved) return saved;
  }
  throw draftErrors.contended();
}

function sameEvidence(a: DraftEntity, b: DraftEntity): boolean {
  return stable(a.evidence) === stable(b.evidence) && stable(a.state) === stable(b.state);
}

/** JSON with sorted keys, so objects built in a different key order compare equal. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}
