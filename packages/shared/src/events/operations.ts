import { z } from 'zod';
import { eventData, nullableString } from './data';
import type { EventSpec } from './spec';

const statusPair = z.looseObject({ status: z.string(), outcome: nullableString });

const run = (description: string) =>
  eventData(
    {
      runId: z.string().min(1),
      runType: z.string().min(1),
      runSubject: nullableString,
      status: z.string(),
      outcome: nullableString,
      reasonCode: nullableString,
      message: nullableString,
      attempt: z.number().int(),
      maxAttempts: z.number().int(),
      nextAttemptAt: nullableString,
      retryAfterMs: z.number(),
      summaryCounts: z.unknown(),
      context: z.unknown(),
      before: statusPair.optional(),
      after: statusPair,
    },
    description,
  );

const runs = 'run/<runId>';

/** Operations' run lifecycle (`tenantatlas.operations.run.<verb>`). */
export const OPERATIONS_EVENTS = [
  { type: 'tenantatlas.operations.run.queued', subject: runs, data: run('A run was queued (or queued again for a retry).') },
  { type: 'tenantatlas.operations.run.started', subject: runs, data: run('A worker started an attempt of the run.') },
  { type: 'tenantatlas.operations.run.retry_scheduled', subject: runs, data: run('An attempt failed retryably; the next one is scheduled.') },
  { type: 'tenantatlas.operations.run.succeeded', subject: runs, data: run('The run succeeded.') },
  { type: 'tenantatlas.operations.run.partially_succeeded', subject: runs, data: run('The run finished with part of its work done.') },
  { type: 'tenantatlas.operations.run.failed', subject: runs, data: run('The run failed for good.') },
  { type: 'tenantatlas.operations.run.cancelled', subject: runs, data: run('The run was cancelled.') },
] as const satisfies readonly EventSpec[];

/** Dispatch to workers: Kafka only says "look at this run"; the run document decides whether it is due. */
export const RUN_REQUEST_EVENTS = [
  {
    type: 'tenantatlas.operations.run.execution_requested',
    subject: runs,
    data: eventData({ runId: z.string().min(1), attempt: z.number().int().min(1) }, 'A worker should execute the next attempt of the run.'),
  },
] as const satisfies readonly EventSpec[];
