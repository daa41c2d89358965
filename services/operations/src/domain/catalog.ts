import type { RetryPolicy } from './backoff';
import type { ContextRule, RunTypePolicy } from './run-type';

/** Context every provider-backed type accepts: where the start came from, for correlation. */
const providerContext: Record<string, ContextRule> = { onboarding_session_id: 'id', trigger: 'word' };

const providerRetry: RetryPolicy = { maxAttempts: 4, baseDelayMs: 2_000, maxDelayMs: 60_000, jitter: 0.5 };

/** A type whose subject is a provider connection of the run's tenant. */
const providerType = (name: string, policy: Pick<RunTypePolicy, 'retry' | 'timeoutMs' | 'dedupeScope'>, context = providerContext): RunTypePolicy => ({
  name,
  ...policy,
  subject: 'required',
  subjectKind: 'connection',
  context,
});

/** A type whose optional subject is a free label, deduped per label. */
const diagnosticsType = (name: string, policy: Pick<RunTypePolicy, 'retry' | 'timeoutMs' | 'context'>): RunTypePolicy => ({
  name,
  ...policy,
  dedupeScope: 'tenant_type_subject',
  subject: 'optional',
  subjectKind: 'label',
});

/**
 * The run types and their policies, as data (validateStart in run-type.ts applies them). Provider
 * types take a provider connection of the run's tenant as subject (subjectKind `connection`: a
 * connection of another tenant or workspace is refused as not found); a verification is deduped
 * per connection, bootstrap types once per tenant.
 */
export const PROVIDER_RUN_TYPES: RunTypePolicy[] = [
  providerType('provider.connection.check', { retry: providerRetry, timeoutMs: 45_000, dedupeScope: 'tenant_type_subject' }),
  providerType('permissions.refresh', { retry: providerRetry, timeoutMs: 60_000, dedupeScope: 'tenant_type' }),
  providerType(
    'inventory.sync',
    { retry: { ...providerRetry, maxAttempts: 5 }, timeoutMs: 300_000, dedupeScope: 'tenant_type' },
    { ...providerContext, resources: { listOf: ['users', 'groups'] } },
  ),
  providerType('policy.sync', { retry: { ...providerRetry, maxAttempts: 3 }, timeoutMs: 300_000, dedupeScope: 'tenant_type' }),
];

export const NOOP_RUN_TYPE = diagnosticsType('diagnostics.noop', {
  retry: { maxAttempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000, jitter: 0 },
  timeoutMs: 5_000,
  context: { trigger: 'word' },
});

/** Enabled by DIAGNOSTIC_RUN_TYPES=true only: its behaviour comes from its context (see diagnostics-script.ts). */
export const SCRIPTED_RUN_TYPE = diagnosticsType('diagnostics.scripted', {
  retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, jitter: 0.5 },
  timeoutMs: 120_000,
  context: { script: 'script', max_attempts: { intBetween: [1, 10] }, timeout_ms: { intBetween: [100, 600_000] } },
});
