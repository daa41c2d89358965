import { createEvent, eventSource, type Actor, type EventEnvelope } from '@tenantatlas/shared';
import { assertMutable, isTerminal, openedDraft, type DraftEntity } from '../domain/draft';
import { draftErrors } from '../domain/errors';
import { draftEvents, type DraftAction, type EventFact } from '../domain/events';
import { deriveLifecycle, factsOf, recalculate, sameLifecycle } from '../domain/lifecycle';
import type { TenantEntity } from '../domain/tenant';
import { requireVersion } from '../domain/validation';
import type { OnboardingDeps } from './ports';

export const SOURCE = eventSource('onboarding');
export const SYSTEM_ACTOR: Actor = { kind: 'system', component: 'onboarding' };

export function envelopes(facts: EventFact[], workspaceId: string, actor: Actor, time: Date): EventEnvelope[] {
  return facts.map((fact) =>
    createEvent({
      type: `tenantatlas.onboarding.${fact.type}` as const,
      source: SOURCE,
      subject: fact.subject,
      workspaceId,
      tenantId: fact.tenantId,
      actor,
      data: fact.data,
      time,
    }),
  );
}

/** What every operator mutation of one draft names: the draft and the version the operator last read. */
export interface DraftCommand {
  workspaceId: string;
  actor: Actor;
  draftId: string;
  expectedVersion: number;
}

/** Loads a draft for an operator mutation and applies the guards before any side effect. */
export async function loadMutable(deps: OnboardingDeps, command: DraftCommand): Promise<DraftEntity> {
  const draft = await deps.drafts.get(command.workspaceId, command.draftId);
  if (!draft) throw draftErrors.notFound(command.draftId);
  assertMutable(draft, requireVersion(command.expectedVersion));
  return draft;
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

export interface WriteOptions {
  workspaceId: string;
  draftId: string;
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
    const current = await deps.drafts.get(options.workspaceId, options.draftId);
    if (!current) throw draftErrors.notFound(options.draftId);
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
