import type { Actor } from '@tenantatlas/core';

export const RUN_STATUSES = ['queued', 'running', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_OUTCOMES = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Why an attempt did not succeed: decides whether another attempt may help. */
export type ErrorClass = 'retryable' | 'permanent' | 'timeout' | 'lease_expired';

export type AttemptResult =
  | 'succeeded'
  | 'partially_succeeded'
  | 'failed'
  | 'retry_scheduled'
  | 'lease_expired'
  | 'cancelled';

export interface Attempt {
  /** 1-based */
  number: number;
  startedAt: Date;
  endedAt: Date | null;
  result: AttemptResult | null;
  errorClass: ErrorClass | null;
  reasonCode: string | null;
  message: string | null;
  retryAfterMs: number;
  worker: string;
}

/** Flat numeric counts only (Ops-UX rule): nested structures never enter a run's summary. */
export type SummaryCounts = Record<string, number>;

export interface Run {
  id: string;
  workspaceId: string;
  tenantId: string;
  type: string;
  subject: string;
  status: RunStatus;
  outcome: RunOutcome | null;
  reasonCode: string | null;
  message: string | null;
  attemptCount: number;
  maxAttempts: number;
  attempts: Attempt[];
  summaryCounts: SummaryCounts;
  /** whitelisted per run type */
  context: Record<string, string>;
  initiator: Actor;
  idempotencyKey: string | null;
  rerunOf: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** when the next attempt is due; null once completed */
  nextAttemptAt: Date | null;
  /** when the sweeper dispatches the run again if it is still queued (lost or early request) */
  redispatchAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** W3C trace context of the start, so every attempt continues the same trace */
  traceparent: string | null;
}

export const isTerminal = (run: Pick<Run, 'status'>): boolean => run.status === 'completed';

/** The actor of changes no caller asked for: a worker's claims and results, a sweep's recoveries. */
export const WORKER_ACTOR: Actor = { kind: 'system', component: 'operations-worker' };

/** The event that asks a worker to look at a run (Kafka only dispatches; the run decides whether it is due). */
export const RUN_REQUESTED = 'tenantatlas.operations.run.execution_requested' as const;
