import type { Actor } from '@tenantatlas/shared';
import type { Actor__Output } from '@tenantatlas/shared/proto/tenantatlas/common/v1/Actor';
import type { Run as RunMessage } from '@tenantatlas/shared/proto/tenantatlas/operations/v1/Run';
import type { RunType as RunTypeMessage } from '@tenantatlas/shared/proto/tenantatlas/operations/v1/RunType';
import type { RunType } from '../../app/registry';
import type { Run } from '../../domain/run';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : '');

/** A proto Actor becomes a domain actor; neither user nor component means "no actor". */
export function actorOf(actor: Actor__Output | null | undefined): Actor | null {
  if (actor?.user_id) return { kind: 'user', userId: actor.user_id, ...(actor.display_name ? { displayName: actor.display_name } : {}) };
  if (actor?.component) return { kind: 'system', component: actor.component };
  return null;
}

export function runMessage(run: Run): RunMessage {
  return {
    id: run.id,
    workspace_id: run.workspaceId,
    tenant_id: run.tenantId,
    type: run.type,
    subject: run.subject,
    status: run.status,
    outcome: run.outcome ?? '',
    reason_code: run.reasonCode ?? '',
    message: run.message ?? '',
    attempt_count: run.attemptCount,
    max_attempts: run.maxAttempts,
    attempts: run.attempts.map((attempt) => ({
      number: attempt.number,
      started_at: iso(attempt.startedAt),
      ended_at: iso(attempt.endedAt),
      result: attempt.result ?? '',
      error_class: attempt.errorClass ?? '',
      reason_code: attempt.reasonCode ?? '',
      message: attempt.message ?? '',
      retry_after_ms: attempt.retryAfterMs,
      worker: attempt.worker,
    })),
    summary_counts: run.summaryCounts,
    context: run.context,
    initiator:
      run.initiator.kind === 'user'
        ? { user_id: run.initiator.userId, display_name: run.initiator.displayName ?? '' }
        : { component: run.initiator.component },
    idempotency_key: run.idempotencyKey ?? '',
    created_at: iso(run.createdAt),
    updated_at: iso(run.updatedAt),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    next_attempt_at: run.status === 'completed' ? '' : iso(run.nextAttemptAt),
    rerun_of: run.rerunOf ?? '',
  };
}

export function runTypeMessage(type: RunType): RunTypeMessage {
  return {
    name: type.name,
    max_attempts: type.retry.maxAttempts,
    base_delay_ms: type.retry.baseDelayMs,
    max_delay_ms: type.retry.maxDelayMs,
    timeout_ms: type.timeoutMs,
    dedupe_scope: type.dedupeScope,
    subject: type.subject,
    context_keys: Object.keys(type.context),
  };
}
