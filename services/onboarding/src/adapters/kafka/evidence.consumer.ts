import { z, type Logger } from '@tenantatlas/core';
import { type EventEnvelope } from '@tenantatlas/kafka';
import type { OnboardingDeps } from '../../app/ports';
import { RecordConnectionFactUseCase } from '../../app/record-connection-fact.use-case';
import { RecordRunFactUseCase } from '../../app/record-run-fact.use-case';
import { connectionEventInvalidates, isRunStatus, type RunOutcome } from '../../domain/evidence';

const RUN_PREFIX = 'tenantatlas.operations.run.';
const CONNECTION_PREFIX = 'tenantatlas.connections.connection.';

// operations publishes runType / runSubject; type / subject are accepted as well.
const runData = z.object({
  runId: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  runType: z.string().min(1).optional(),
  subject: z.string().nullable().optional(),
  runSubject: z.string().nullable().optional(),
  status: z.string().refine(isRunStatus, 'unknown run status'),
  // null until the run completes
  outcome: z.enum(['', 'succeeded', 'partially_succeeded', 'failed', 'cancelled']).nullish().transform((v) => v ?? ''),
  reasonCode: z.string().optional().nullable(),
  createdAt: z.string().optional(),
});

const idFromSubject = (subject: string, object: string) => (subject.startsWith(`${object}/`) ? subject.slice(object.length + 1) : undefined);

/**
 * Turns operations and connections events into evidence for drafts. Messages are validated here
 * and anything that is not a fact we understand is skipped (logged), never acted on.
 */
/** The handler resolves whether the event changed a draft (false: nothing to remember it by). */
export function evidenceHandler(deps: OnboardingDeps, logger: Logger): (event: EventEnvelope) => Promise<boolean> {
  const recordRun = new RecordRunFactUseCase(deps);
  const recordConnection = new RecordConnectionFactUseCase(deps);
  return async (event) => {
    if (event.type.startsWith(RUN_PREFIX)) return (await handleRun(recordRun, logger, event)) > 0;
    if (event.type.startsWith(CONNECTION_PREFIX)) return (await handleConnection(recordConnection, logger, event)) > 0;
    return false;
  };
}

/** The number of drafts the event changed. */
async function handleRun(recordRun: RecordRunFactUseCase, logger: Logger, event: EventEnvelope): Promise<number> {
  const parsed = runData.safeParse(event.data);
  const runId = parsed.success ? (parsed.data.runId ?? idFromSubject(event.subject, 'run')) : undefined;
  const type = parsed.success ? (parsed.data.runType ?? parsed.data.type) : undefined;
  if (!parsed.success || !runId || !type) {
    logger.warn({ eventId: event.id, type: event.type }, 'run event without usable data skipped');
    return 0;
  }
  const d = parsed.data;
  const createdAt = d.createdAt ? new Date(d.createdAt) : null;
  return recordRun.execute({
    workspaceId: event.workspaceId,
    tenantId: event.tenantId,
    run: {
      runId,
      type,
      subject: d.runSubject ?? d.subject ?? '',
      status: d.status as 'queued' | 'running' | 'completed',
      outcome: d.status === 'completed' ? (d.outcome as RunOutcome) || 'failed' : '',
      reasonCode: d.reasonCode ?? '',
      createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt : null,
      observedAt: new Date(event.time),
    },
  });
}

async function handleConnection(recordConnection: RecordConnectionFactUseCase, logger: Logger, event: EventEnvelope): Promise<number> {
  const fromData = typeof event.data.connectionId === 'string' ? event.data.connectionId : undefined;
  const connectionId = fromData ?? idFromSubject(event.subject, 'connection');
  if (!connectionId) {
    logger.warn({ eventId: event.id, type: event.type }, 'connection event without a connection id skipped');
    return 0;
  }
  return recordConnection.execute({
    workspaceId: event.workspaceId,
    tenantId: event.tenantId,
    connectionId,
    invalidatedAt: connectionEventInvalidates(event.type, event.data) ? new Date(event.time) : null,
  });
}
