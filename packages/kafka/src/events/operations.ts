import { z } from 'zod';
import { eventData, eventsAbout, nullableString } from './data';
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
      // the run this one reruns (a rerun or a bulk retry); absent from producers before it was added
      rerunOf: nullableString.optional(),
      before: statusPair.optional(),
      after: statusPair,
    },
    description,
  );

const runs = 'run/<runId>';

/** Operations' run lifecycle (`tenantatlas.operations.run.<verb>`). */
export const OPERATIONS_EVENTS = eventsAbout(runs, run, {
  'tenantatlas.operations.run.queued': 'A run was queued (or queued again for a retry).',
  'tenantatlas.operations.run.started': 'A worker started an attempt of the run.',
  'tenantatlas.operations.run.retry_scheduled': 'An attempt failed retryably; the next one is scheduled.',
  'tenantatlas.operations.run.succeeded': 'The run succeeded.',
  'tenantatlas.operations.run.partially_succeeded': 'The run finished with part of its work done.',
  'tenantatlas.operations.run.failed': 'The run failed for good.',
  'tenantatlas.operations.run.cancelled': 'The run was cancelled.',
}) satisfies readonly EventSpec[];

/** Dispatch to workers: Kafka only says "look at this run"; the run document decides whether it is due. */
export const RUN_REQUEST_EVENTS = [
  {
    type: 'tenantatlas.operations.run.execution_requested',
    subject: runs,
    data: eventData({ runId: z.string().min(1), attempt: z.number().int().min(1) }, 'A worker should execute the next attempt of the run.'),
  },
] as const satisfies readonly EventSpec[];
