import type { Actor, DomainError, TenantStanding } from '@tenantatlas/core';
import type { RetryPolicy } from './backoff';
import { parseScript } from './diagnostics-script';
import { runError, type RunErrorCode } from './errors';
import type { Run } from './run';

/**
 * Run types and the decision on a start: whether it is well formed for its type, whether what it
 * names may be run (from its owners' answers), which run it is "the same" as (its dedupe key
 * and idempotency key), and the run it creates. The start's whole rule lives here; the use case only
 * asks the owners and the repository.
 */

/** Which runs count as "the same" for dedupe: one active run per key. */
export type DedupeScope = 'tenant_type' | 'tenant_type_subject';
export type SubjectRule = 'required' | 'optional' | 'none';
/**
 * What a subject names. A `connection` is a provider connection that must belong to the run's
 * tenant in the run's workspace (its owner, the connections service, is asked before a start is
 * accepted, and again by the worker); a `label` is free text that names nothing another service owns.
 */
export type SubjectKind = 'connection' | 'label';
/** What a context value must be: an id, a lower-case word, a diagnostics script, a comma list of some values, or an integer in a range. */
export type ContextRule = 'id' | 'word' | 'script' | { listOf: readonly string[] } | { intBetween: readonly [number, number] };

/** The policy half of a run type; the executor half lives in the app layer. */
export interface RunTypePolicy {
  name: string;
  retry: RetryPolicy;
  /** one attempt is abandoned (and counted as a retryable timeout) after this long */
  timeoutMs: number;
  dedupeScope: DedupeScope;
  subject: SubjectRule;
  subjectKind: SubjectKind;
  /** context keys callers may set, each with its rule; everything else is rejected */
  context: Readonly<Record<string, ContextRule>>;
}

export interface StartInput {
  workspaceId: string;
  tenantId: string;
  type: string;
  subject: string;
  context: Record<string, string>;
  idempotencyKey: string | null;
  actor: Actor | null;
}

/** Ids become parts of unique keys joined by `|`, so they may not contain one (or whitespace). */
const ID_PATTERN = /^[\w.:@-]{1,200}$/;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const WORD_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

function requireId(value: string, field: string, code: RunErrorCode): void {
  if (!value) throw runError(code, `${field} is required`, { field });
  if (!ID_PATTERN.test(value)) throw runError('RUN.INVALID_ID', `${field} must be 1-200 characters of letters, digits, . _ : @ -`, { field });
}

function follows(rule: ContextRule, value: string): boolean {
  if (rule === 'id') return ID_PATTERN.test(value);
  if (rule === 'word') return WORD_PATTERN.test(value);
  if (rule === 'script') return parseScript(value) !== undefined;
  if ('listOf' in rule) return value.split(',').every((item) => rule.listOf.includes(item));
  const [min, max] = rule.intBetween;
  return /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
}

function validateContext(policy: RunTypePolicy, context: Record<string, string>): void {
  for (const [key, value] of Object.entries(context)) {
    const rule = policy.context[key];
    if (!rule) {
      throw runError('RUN.CONTEXT_KEY_NOT_ALLOWED', `run type ${policy.name} does not accept context "${key.slice(0, 60)}"`, {
        field: `context.${key.slice(0, 60)}`,
      });
    }
    if (value.length > 500 || !follows(rule, value)) throw runError('RUN.CONTEXT_INVALID', `context "${key}" has an invalid value`, { field: `context.${key}` });
  }
}

/** Rejects a start a run type cannot accept, with a stable code naming what is wrong. */
export function validateStart(policy: RunTypePolicy | undefined, input: StartInput): asserts policy is RunTypePolicy {
  requireId(input.workspaceId, 'workspace_id', 'RUN.WORKSPACE_REQUIRED');
  if (!input.actor) throw runError('RUN.ACTOR_REQUIRED', 'actor (user_id or component) is required', { field: 'actor' });
  if (!policy) throw runError('RUN.UNKNOWN_TYPE', `unknown run type "${input.type.slice(0, 80)}"`, { field: 'type' });
  requireId(input.tenantId, 'tenant_id', 'RUN.TENANT_REQUIRED');
  if (policy.subject === 'required') requireId(input.subject, 'subject', 'RUN.SUBJECT_REQUIRED');
  if (policy.subject === 'none' && input.subject) throw runError('RUN.SUBJECT_NOT_ALLOWED', `run type ${policy.name} takes no subject`, { field: 'subject' });
  if (policy.subject === 'optional' && input.subject) requireId(input.subject, 'subject', 'RUN.SUBJECT_REQUIRED');
  validateContext(policy, input.context);
  if (input.idempotencyKey !== null && !KEY_PATTERN.test(input.idempotencyKey)) {
    throw runError('RUN.IDEMPOTENCY_KEY_INVALID', 'idempotency_key must be 1-200 printable characters', { field: 'idempotency_key' });
  }
}

/** The provider connection a start names as its subject (to be checked against its owner), if any. */
export function subjectConnection(policy: Pick<RunTypePolicy, 'subjectKind'>, input: Pick<StartInput, 'subject'>): string | null {
  return policy.subjectKind === 'connection' && input.subject ? input.subject : null;
}

/**
 * Spec 143: an archived tenant can neither be onboarded nor run operations, so it takes no new
 * run. Draft and onboarding tenants do: onboarding's own verification and bootstrap runs are
 * theirs (their `canRunOperations=false` concerns operations outside onboarding, which a start
 * cannot tell apart, so it is not refused here). Not found carries no id and the same words
 * whether the tenant is another workspace's or never existed, so it reveals nothing.
 */
export function tenantRefusal(standing: TenantStanding | null): DomainError | null {
  if (!standing) return runError('TENANT.NOT_FOUND', 'tenant not found');
  if (standing.status === 'archived') return runError('TENANT.ARCHIVED', 'the tenant is archived and takes no new runs; restore it first');
  return null;
}

/** The same answer for another tenant's connection, another workspace's, and a random id. */
export const subjectNotFound = (): DomainError =>
  runError('RUN.SUBJECT_NOT_FOUND', 'the subject connection was not found for this tenant', { field: 'subject' });

const REFUSALS: ReadonlySet<string> = new Set<RunErrorCode>(['TENANT.NOT_FOUND', 'TENANT.ARCHIVED', 'RUN.SUBJECT_NOT_FOUND']);

/** A refusal of a start because of what it names (as opposed to a malformed start or an outage). */
export function isAdmissionRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && REFUSALS.has((err as { code?: string }).code ?? '');
}

/** The unique value that makes "one active run per dedupe key" a database rule. */
export function activeSlot(policy: Pick<RunTypePolicy, 'dedupeScope' | 'name'>, input: Pick<StartInput, 'workspaceId' | 'tenantId' | 'subject'>): string {
  const subject = policy.dedupeScope === 'tenant_type_subject' ? input.subject : '';
  return [input.workspaceId, input.tenantId, policy.name, subject].join('|');
}

/** The key under which a workspace's idempotency key is remembered with the run it created. */
export const idempotencyClaim = (workspaceId: string, key: string): string => `${workspaceId}|${key}`;

/**
 * A start whose claim of the dedupe key is newest but whose run has not appeared is storing it;
 * after this long it is taken to have stopped, and the key may be claimed again.
 */
export const CLAIM_VACANT_AFTER_MS = 10_000;

/**
 * Who holds a dedupe key, from its newest claim and the run it names: that run while it is
 * active; nobody once it completed (the completed run is handed back: it is still the answer to
 * a replay of its own start) or was abandoned; its claimer while the run is being stored.
 */
export function slotHolder(claim: { at: Date }, run: Run | null | 'abandoned', now: Date): { held: Run } | { completed: Run } | 'free' | 'storing' | 'stalled' {
  if (run === 'abandoned') return 'free';
  if (run) return run.status === 'completed' ? { completed: run } : { held: run };
  return now.getTime() - claim.at.getTime() < CLAIM_VACANT_AFTER_MS ? 'storing' : 'stalled';
}

/** Per-run overrides a type allows through its context (only the scripted type does). */
export function effectiveLimits(policy: RunTypePolicy, context: Record<string, string>): { maxAttempts: number; timeoutMs: number } {
  const fromContext = (key: string) => (policy.context[key] && context[key] ? Number(context[key]) : undefined);
  return {
    maxAttempts: fromContext('max_attempts') ?? policy.retry.maxAttempts,
    timeoutMs: fromContext('timeout_ms') ?? policy.timeoutMs,
  };
}

/** What a start found already stored: the same run again (replayed) or another caller's active run (deduplicated). */
export interface ExistingRun {
  run: Run;
  replayed: boolean;
}

/**
 * The answer to a start that found a run: a replay must be the same start (same tenant, type and
 * subject); a key sent again with another start is a client mistake, not a dedupe.
 */
export function reuse({ run, replayed }: ExistingRun, input: Pick<StartInput, 'type' | 'tenantId' | 'subject'>): { run: Run; deduplicated: boolean; replayed: boolean } {
  if (replayed && (run.type !== input.type || run.tenantId !== input.tenantId || run.subject !== input.subject)) {
    throw runError('RUN.IDEMPOTENCY_KEY_REUSED', 'this idempotency_key was used for a different run', { field: 'idempotency_key' });
  }
  return { run, deduplicated: !replayed, replayed };
}

/**
 * The caller's own earlier start found holding the dedupe key (its idempotency key was never
 * remembered, e.g. the process died right after storing the run) is a replay, not a dedupe onto
 * someone else's run.
 */
export const isOwnStart = (run: Run, idempotencyKey: string | null): boolean => idempotencyKey !== null && run.idempotencyKey === idempotencyKey;

export interface NewRunFacts {
  id: string;
  now: Date;
  /** W3C trace context of the start */
  traceparent: string | null;
  /** when the sweeper dispatches the run if nobody took its request */
  redispatchAfterMs: number;
}

/** The queued run a validated start creates; its request goes out with its insert. */
export function newRun(policy: RunTypePolicy, input: StartInput & { actor: Actor; rerunOf?: string | null }, facts: NewRunFacts): Run {
  const { id, now } = facts;
  return {
    id,
    workspaceId: input.workspaceId,
    tenantId: input.tenantId,
    type: input.type,
    subject: input.subject,
    status: 'queued',
    outcome: null,
    reasonCode: null,
    message: null,
    attemptCount: 0,
    maxAttempts: effectiveLimits(policy, input.context).maxAttempts,
    attempts: [],
    summaryCounts: {},
    context: input.context,
    initiator: input.actor,
    idempotencyKey: input.idempotencyKey,
    rerunOf: input.rerunOf ?? null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    completedAt: null,
    nextAttemptAt: now,
    // the request goes out with the insert; the sweeper only steps in if nobody took it by then
    redispatchAt: new Date(now.getTime() + facts.redispatchAfterMs),
    leaseOwner: null,
    leaseExpiresAt: null,
    traceparent: facts.traceparent,
  };
}
