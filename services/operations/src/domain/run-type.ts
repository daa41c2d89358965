import { invalidArgument, type Actor } from '@tenantatlas/shared';
import type { RetryPolicy } from './backoff';

/** Which runs count as "the same" for dedupe: one active run per key. */
export type DedupeScope = 'tenant_type' | 'tenant_type_subject';
export type SubjectRule = 'required' | 'optional' | 'none';
/**
 * What a subject names. A `connection` is a provider connection that must belong to the run's
 * tenant in the run's workspace (its owner, the connections service, is asked before a start is
 * accepted, and again by the worker); a `label` is free text that names nothing another service owns.
 */
export type SubjectKind = 'connection' | 'label';

/** The policy half of a run type; the executor half lives in the app layer. */
export interface RunTypePolicy {
  name: string;
  retry: RetryPolicy;
  /** one attempt is abandoned (and counted as a retryable timeout) after this long */
  timeoutMs: number;
  dedupeScope: DedupeScope;
  subject: SubjectRule;
  subjectKind: SubjectKind;
  /** context keys callers may set, each with a validator; everything else is rejected */
  context: Record<string, (value: string) => boolean>;
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

function requireId(value: string, field: string, code: string): void {
  if (!value) throw invalidArgument(code, `${field} is required`, { field });
  if (!ID_PATTERN.test(value)) {
    throw invalidArgument('RUN.INVALID_ID', `${field} must be 1-200 characters of letters, digits, . _ : @ -`, { field });
  }
}

/** Rejects a start a run type cannot accept, with a stable code naming what is wrong. */
export function validateStart(policy: RunTypePolicy | undefined, input: StartInput): asserts policy is RunTypePolicy {
  requireId(input.workspaceId, 'workspace_id', 'RUN.WORKSPACE_REQUIRED');
  if (!input.actor) throw invalidArgument('RUN.ACTOR_REQUIRED', 'actor (user_id or component) is required', { field: 'actor' });
  if (!policy) {
    throw invalidArgument('RUN.UNKNOWN_TYPE', `unknown run type "${input.type.slice(0, 80)}"`, { field: 'type' });
  }
  requireId(input.tenantId, 'tenant_id', 'RUN.TENANT_REQUIRED');
  if (policy.subject === 'required') requireId(input.subject, 'subject', 'RUN.SUBJECT_REQUIRED');
  if (policy.subject === 'none' && input.subject) {
    throw invalidArgument('RUN.SUBJECT_NOT_ALLOWED', `run type ${policy.name} takes no subject`, { field: 'subject' });
  }
  if (policy.subject === 'optional' && input.subject) requireId(input.subject, 'subject', 'RUN.SUBJECT_REQUIRED');
  for (const [key, value] of Object.entries(input.context)) {
    const valid = policy.context[key];
    if (!valid) {
      throw invalidArgument('RUN.CONTEXT_KEY_NOT_ALLOWED', `run type ${policy.name} does not accept context "${key.slice(0, 60)}"`, {
        field: `context.${key.slice(0, 60)}`,
      });
    }
    if (value.length > 500 || !valid(value)) {
      throw invalidArgument('RUN.CONTEXT_INVALID', `context "${key}" has an invalid value`, { field: `context.${key}` });
    }
  }
  if (input.idempotencyKey !== null && !KEY_PATTERN.test(input.idempotencyKey)) {
    throw invalidArgument('RUN.IDEMPOTENCY_KEY_INVALID', 'idempotency_key must be 1-200 printable characters', {
      field: 'idempotency_key',
    });
  }
}

/** The provider connection a start names as its subject (to be checked against its owner), if any. */
export function subjectConnection(policy: Pick<RunTypePolicy, 'subjectKind'>, input: Pick<StartInput, 'subject'>): string | null {
  return policy.subjectKind === 'connection' && input.subject ? input.subject : null;
}

/** The unique value that makes "one active run per dedupe key" a database rule. */
export function activeSlot(policy: Pick<RunTypePolicy, 'dedupeScope' | 'name'>, input: Pick<StartInput, 'workspaceId' | 'tenantId' | 'subject'>): string {
  const subject = policy.dedupeScope === 'tenant_type_subject' ? input.subject : '';
  return [input.workspaceId, input.tenantId, policy.name, subject].join('|');
}

/** A completed run gives its slot up for a unique value of its own. */
export const releasedSlot = (runId: string): string => `done:${runId}`;

export const idempotencySlot = (workspaceId: string, key: string | null, runId: string): string =>
  key === null ? `none:${runId}` : `${workspaceId}|${key}`;
