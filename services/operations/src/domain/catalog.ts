import type { RetryPolicy } from './backoff';
import { parseScript } from './diagnostics-script';
import type { RunTypePolicy } from './run-type';

const ID = /^[\w.:@-]{1,200}$/;
const WORD = /^[a-z][a-z0-9_]{0,39}$/;
const intBetween = (min: number, max: number) => (value: string) =>
  /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;

/** Context every provider-backed type accepts: where the start came from, for correlation. */
const providerContext = {
  onboarding_session_id: (v: string) => ID.test(v),
  trigger: (v: string) => WORD.test(v),
};

const providerRetry: RetryPolicy = { maxAttempts: 4, baseDelayMs: 2_000, maxDelayMs: 60_000, jitter: 0.5 };

/**
 * The run types and their policies. Provider types take a provider connection of the run's tenant
 * as subject (subjectKind `connection`: a connection of another tenant or workspace is refused as
 * not found); a verification is deduped per connection, bootstrap types once per tenant.
 */
export const PROVIDER_RUN_TYPES: RunTypePolicy[] = [
  {
    name: 'provider.connection.check',
    retry: providerRetry,
    timeoutMs: 45_000,
    dedupeScope: 'tenant_type_subject',
    subject: 'required',
    subjectKind: 'connection',
    context: providerContext,
  },
  {
    name: 'permissions.refresh',
    retry: providerRetry,
    timeoutMs: 60_000,
    dedupeScope: 'tenant_type',
    subject: 'required',
    subjectKind: 'connection',
    context: providerContext,
  },
  {
    name: 'inventory.sync',
    retry: { ...providerRetry, maxAttempts: 5 },
    timeoutMs: 300_000,
    dedupeScope: 'tenant_type',
    subject: 'required',
    subjectKind: 'connection',
    context: { ...providerContext, resources: (v) => v.split(',').every((r) => r === 'users' || r === 'groups') },
  },
  {
    name: 'policy.sync',
    retry: { ...providerRetry, maxAttempts: 3 },
    timeoutMs: 300_000,
    dedupeScope: 'tenant_type',
    subject: 'required',
    subjectKind: 'connection',
    context: providerContext,
  },
];

export const NOOP_RUN_TYPE: RunTypePolicy = {
  name: 'diagnostics.noop',
  retry: { maxAttempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000, jitter: 0 },
  timeoutMs: 5_000,
  dedupeScope: 'tenant_type_subject',
  subject: 'optional',
  subjectKind: 'label',
  context: { trigger: (v) => WORD.test(v) },
};

/** Enabled by DIAGNOSTIC_RUN_TYPES=true only: its behaviour comes from its context (see diagnostics-script.ts). */
export const SCRIPTED_RUN_TYPE: RunTypePolicy = {
  name: 'diagnostics.scripted',
  retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, jitter: 0.5 },
  timeoutMs: 120_000,
  dedupeScope: 'tenant_type_subject',
  subject: 'optional',
  subjectKind: 'label',
  context: {
    script: (v) => parseScript(v) !== undefined,
    max_attempts: intBetween(1, 10),
    timeout_ms: intBetween(100, 600_000),
  },
};

/** Per-run overrides a type allows through its context (only the scripted type does). */
export function effectiveLimits(policy: RunTypePolicy, context: Record<string, string>): { maxAttempts: number; timeoutMs: number } {
  const fromContext = (key: string) => (policy.context[key] && context[key] ? Number(context[key]) : undefined);
  return {
    maxAttempts: fromContext('max_attempts') ?? policy.retry.maxAttempts,
    timeoutMs: fromContext('timeout_ms') ?? policy.timeoutMs,
  };
}
