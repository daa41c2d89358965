import { type Actor } from '@tenantatlas/core';
import { actorFromProto, actorToProto, loadProto, protoTime, unary } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/operations';
import type { Actor__Output } from '@tenantatlas/grpc/proto/tenantatlas/common/v1/Actor';
import type { OperationsServiceHandlers } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/OperationsService';
import type { Run as RunMessage } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/Run';
import type { RunType as RunTypeMessage } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/RunType';
import type { ListRunsRequest__Output } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/ListRunsRequest';
import type { StartRunRequest__Output } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/StartRunRequest';
import type { StartRunResponse } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/StartRunResponse';
import type { Logger } from 'pino';
import type { CancelRunUseCase } from '../../app/cancel-run.use-case';
import type { GetRunUseCase } from '../../app/get-run.use-case';
import type { ListRunsCommand, ListRunsUseCase } from '../../app/list-runs.use-case';
import type { RunType, RunTypeRegistry } from '../../app/registry';
import type { RerunRunUseCase } from '../../app/rerun-run.use-case';
import type { RetryFailedRunsUseCase } from '../../app/retry-failed-runs.use-case';
import type { StartRunCommand, StartRunResult, StartRunUseCase } from '../../app/start-run.use-case';
import { runError } from '../../domain/errors';
import type { Run } from '../../domain/run';

export interface OperationsUseCases {
  startRun: StartRunUseCase;
  getRun: GetRunUseCase;
  listRuns: ListRunsUseCase;
  cancelRun: CancelRunUseCase;
  rerunRun: RerunRunUseCase;
  retryFailedRuns: RetryFailedRunsUseCase;
  registry: RunTypeRegistry;
}

export const OPERATIONS_PROTO = 'tenantatlas/operations/v1/operations.proto';

export function operationsDefinition() {
  return loadProto<ProtoGrpcType>(OPERATIONS_PROTO).tenantatlas.operations.v1.OperationsService.service;
}

/**
 * Thin transport: requests become commands; use cases and the domain decide everything. The proto
 * ↔ domain mapping is below, in this file, so a call passes one file of the transport.
 */
export function operationsHandlers(logger: Logger, cases: OperationsUseCases): OperationsServiceHandlers {
  return {
    StartRun: unary(logger, async (req) => startResponse(await cases.startRun.execute(startCommand(req)))),
    GetRun: unary(logger, async (req) => ({ run: runMessage(await cases.getRun.execute({ workspaceId: req.workspace_id, runId: req.run_id })) })),
    ListRuns: unary(logger, async (req) => {
      const page = await cases.listRuns.execute(listCommand(req));
      return { runs: page.runs.map(runMessage), next_page_token: page.nextPageToken };
    }),
    CancelRun: unary(logger, async (req) => ({
      run: runMessage(await cases.cancelRun.execute({ workspaceId: req.workspace_id, runId: req.run_id, actor: requireActor(actorFromProto(req.actor)) })),
    })),
    RerunRun: unary(logger, async (req) =>
      startResponse(
        await cases.rerunRun.execute({
          workspaceId: req.workspace_id,
          runId: req.run_id,
          actor: requireActor(actorFromProto(req.actor)),
          idempotencyKey: req.idempotency_key || null,
        }),
      ),
    ),
    RetryFailedRuns: unary(logger, async (req) => {
      const retried = await cases.retryFailedRuns.execute({
        workspaceId: req.workspace_id,
        actor: requireActor(actorFromProto(req.actor)),
        tenantId: req.tenant_id,
        type: req.type,
        completedAfter: req.completed_after,
        limit: req.limit,
      });
      return {
        retried: retried.map(({ failedRunId, result }) => ({ failed_run_id: failedRunId, run: runMessage(result.run), deduplicated: result.deduplicated })),
      };
    }),
    ListRunTypes: unary(logger, async () => ({ types: cases.registry.all().map(runTypeMessage) })),
  };
}

function requireActor(actor: Actor | null): Actor {
  if (!actor) throw runError('RUN.ACTOR_REQUIRED', 'actor (user_id or component) is required', { field: 'actor' });
  return actor;
}

/** An empty idempotency key is none; an actor naming neither user nor component is none (the start refuses it). */
const startCommand = ({ workspace_id, tenant_id, type, subject, context, idempotency_key, actor }: StartRunRequest__Output): StartRunCommand => ({
  workspaceId: workspace_id, tenantId: tenant_id, type, subject, context: context ?? {}, idempotencyKey: idempotency_key || null, actor: actorFromProto(actor),
});

const listCommand = (req: ListRunsRequest__Output): ListRunsCommand => ({
  workspaceId: req.workspace_id,
  tenantId: req.tenant_id,
  type: req.type,
  status: req.status,
  outcome: req.outcome,
  subject: req.subject,
  reasonCode: req.reason_code,
  createdAfter: req.created_after,
  createdBefore: req.created_before,
  pageSize: req.page?.page_size,
  pageToken: req.page?.page_token,
});

const startResponse = (result: StartRunResult): StartRunResponse => ({
  run: runMessage(result.run),
  deduplicated: result.deduplicated,
  replayed: result.replayed,
});



const runMessage = (run: Run): RunMessage => ({
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
    started_at: protoTime(attempt.startedAt),
    ended_at: protoTime(attempt.endedAt),
    result: attempt.result ?? '',
    error_class: attempt.errorClass ?? '',
    reason_code: attempt.reasonCode ?? '',
    message: attempt.message ?? '',
    retry_after_ms: attempt.retryAfterMs,
    worker: attempt.worker,
  })),
  summary_counts: run.summaryCounts,
  context: run.context,
  initiator: actorToProto(run.initiator),
  idempotency_key: run.idempotencyKey ?? '',
  created_at: protoTime(run.createdAt),
  updated_at: protoTime(run.updatedAt),
  started_at: protoTime(run.startedAt),
  completed_at: protoTime(run.completedAt),
  next_attempt_at: run.status === 'completed' ? '' : protoTime(run.nextAttemptAt),
  rerun_of: run.rerunOf ?? '',
});

const runTypeMessage = (type: RunType): RunTypeMessage => ({
  name: type.name,
  max_attempts: type.retry.maxAttempts,
  base_delay_ms: type.retry.baseDelayMs,
  max_delay_ms: type.retry.maxDelayMs,
  timeout_ms: type.timeoutMs,
  dedupe_scope: type.dedupeScope,
  subject: type.subject,
  context_keys: Object.keys(type.context),
});
