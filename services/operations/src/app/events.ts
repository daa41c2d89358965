import { createEvent, eventSource, outboxEntries, type Actor, type OutboxEntry } from '@tenantatlas/shared';
import type { Run } from '../domain/run';
import type { LifecycleVerb, RunChange } from '../domain/transitions';

export const SOURCE = eventSource('operations');
export const WORKER_ACTOR: Actor = { kind: 'system', component: 'operations-worker' };
export const RUN_REQUESTED = 'tenantatlas.operations.run.execution_requested' as const;

export interface RunTopics {
  operationsEvents: string;
  runRequests: string;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Builds what a change publishes: its lifecycle event and, when it dispatches, a run request. */
export class RunEvents {
  constructor(private readonly topics: RunTopics) {}

  lifecycle(verb: LifecycleVerb, after: Run, actor: Actor, before?: Run): OutboxEntry[] {
    const latest = after.attempts[after.attempts.length - 1];
    const event = createEvent({
      type: `tenantatlas.operations.run.${verb}` as const,
      source: SOURCE,
      subject: `run/${after.id}`,
      workspaceId: after.workspaceId,
      tenantId: after.tenantId,
      actor,
      data: {
        runId: after.id,
        runType: after.type,
        runSubject: after.subject || null,
        status: after.status,
        outcome: after.outcome,
        reasonCode: after.reasonCode,
        message: after.message,
        attempt: after.attemptCount,
        maxAttempts: after.maxAttempts,
        nextAttemptAt: after.status === 'queued' ? iso(after.nextAttemptAt) : null,
        retryAfterMs: verb === 'retry_scheduled' ? (latest?.retryAfterMs ?? 0) : 0,
        summaryCounts: after.summaryCounts,
        context: after.context,
        ...(before ? { before: { status: before.status, outcome: before.outcome } } : {}),
        after: { status: after.status, outcome: after.outcome },
      },
    });
    return outboxEntries(this.topics.operationsEvents, [event]);
  }

  /** A run request: Kafka only dispatches; the run document decides whether it is due. */
  request(run: Run, actor: Actor): OutboxEntry[] {
    const event = createEvent({
      type: RUN_REQUESTED,
      source: SOURCE,
      subject: `run/${run.id}`,
      workspaceId: run.workspaceId,
      tenantId: run.tenantId,
      actor,
      data: { runId: run.id, attempt: run.attemptCount + 1 },
    });
    return outboxEntries(this.topics.runRequests, [event]);
  }

  forChange(change: RunChange, before: Run, after: Run, actor: Actor): OutboxEntry[] {
    return [
      ...(change.verb ? this.lifecycle(change.verb, after, actor, before) : []),
      ...(change.dispatch ? this.request(after, actor) : []),
    ];
  }
}
