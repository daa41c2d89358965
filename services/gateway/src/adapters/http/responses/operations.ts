import { z } from '@tenantatlas/core';
import { actorSchema } from './common';
import { pageOf, text, timestamp } from './present';

export const RUN_STATUSES = ['queued', 'running', 'completed'] as const;
export const RUN_OUTCOMES = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;

const attemptSchema = z.object({
  number: z.number().int(),
  started_at: timestamp(),
  ended_at: timestamp(),
  result: text(),
  error_class: text(),
  reason_code: text(),
  message: text(),
  retry_after_ms: z.number().int(),
  worker: text(),
});

export const runSchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    tenant_id: text(),
    type: z.string(),
    subject: text(),
    status: z.enum(RUN_STATUSES),
    outcome: z.enum(RUN_OUTCOMES).nullable().describe('null until the run completed'),
    reason_code: text(),
    message: text(),
    attempt_count: z.number().int(),
    max_attempts: z.number().int(),
    attempts: z.array(attemptSchema),
    summary_counts: z.record(z.string(), z.number().int()),
    context: z.record(z.string(), z.string()),
    initiator: actorSchema,
    idempotency_key: text(),
    created_at: timestamp(),
    updated_at: timestamp(),
    started_at: timestamp(),
    completed_at: timestamp(),
    next_attempt_at: timestamp(),
    rerun_of: text(),
  })
  ;

export const runResponse = z.object({ run: runSchema });
export const startedRunResponse = z.object({ run: runSchema, deduplicated: z.boolean(), replayed: z.boolean() });
export const runPage = pageOf('runs', runSchema);
export const retriedRunsResponse = z.object({
  retried: z.array(z.object({ failed_run_id: z.string(), run: runSchema.nullable(), deduplicated: z.boolean() })),
});
export const runTypesResponse = z.object({
  types: z.array(
    z.object({
      name: z.string(),
      max_attempts: z.number().int(),
      base_delay_ms: z.number().int(),
      max_delay_ms: z.number().int(),
      timeout_ms: z.number().int(),
      dedupe_scope: text(),
      subject: text(),
      context_keys: z.array(z.string()),
    }),
  ),
});
