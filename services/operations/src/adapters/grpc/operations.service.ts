import { invalidArgument, loadProto, unary, type Actor } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/operations';
import type { OperationsServiceHandlers } from '@tenantatlas/shared/proto/tenantatlas/operations/v1/OperationsService';
import type { StartRunResponse } from '@tenantatlas/shared/proto/tenantatlas/operations/v1/StartRunResponse';
import type { Logger } from 'pino';
import type { CancelRun } from '../../app/cancel-run';
import type { RunTypeRegistry } from '../../app/registry';
import type { Rerun } from '../../app/rerun';
import type { RunQueries } from '../../app/run-queries';
import type { StartRun, StartRunResult } from '../../app/start-run';
import { actorOf, runMessage, runTypeMessage } from './mappers';

export interface OperationsUseCases {
  startRun: StartRun;
  queries: RunQueries;
  cancelRun: CancelRun;
  rerun: Rerun;
  registry: RunTypeRegistry;
}

export const OPERATIONS_PROTO = 'tenantatlas/operations/v1/operations.proto';

export function operationsDefinition() {
  return loadProto<ProtoGrpcType>(OPERATIONS_PROTO).tenantatlas.operations.v1.OperationsService.service;
}

function requireActor(actor: Actor | null): Actor {
  if (!actor) throw invalidArgument('RUN.ACTOR_REQUIRED', 'actor (user_id or component) is required', { field: 'actor' });
  return actor;
}

const startResponse = (result: StartRunResult): StartRunResponse => ({
  run: runMessage(result.run),
  deduplicated: result.deduplicated,
  replayed: result.replayed,
});

/** Thin transport: requests become commands; use cases and the domain decide everything. */
export function operationsHandlers(logger: Logger, cases: OperationsUseCases): OperationsServiceHandlers {
  return {
    StartRun: unary(logger, async (req) =>
      startResponse(
        await cases.startRun.execute({
          workspaceId: req.workspace_id,
          tenantId: req.tenant_id,
          type: req.type,
          subject: req.subject,
          context: req.context ?? {},
          idempotencyKey: req.idempotency_key || null,
          actor: actorOf(req.actor),
        }),
      ),
    ),
    GetRun: unary(logger, async (req) => ({ run: runMessage(await cases.queries.get(req.workspace_id, req.run_id)) })),
    ListRuns: unary(logger, async (req) => {
      const page = await cases.queries.list({
        workspaceId: req.workspace_id,
        tenantId: req.tenant_id,
        type: req.type,
        status: req.status,
        outcome: req.outcome,
        subject: req.subject,
        createdAfter: req.created_after,
        createdBefore: req.created_before,
        pageSize: req.page?.page_size,
        pageToken: req.page?.page_token,
      });
      return { runs: page.runs.map(runMessage), next_page_token: page.nextPageToken };
    }),
    CancelRun: unary(logger, async (req) => ({
      run: runMessage(await cases.cancelRun.execute(req.workspace_id, req.run_id, requireActor(actorOf(req.actor)))),
    })),
    RerunRun: unary(logger, async (req) =>
      startResponse(await cases.rerun.one(req.workspace_id, req.run_id, requireActor(actorOf(req.actor)), req.idempotency_key || null)),
    ),
    RetryFailedRuns: unary(logger, async (req) => {
      const retried = await cases.rerun.failed({
        workspaceId: req.workspace_id,
        actor: requireActor(actorOf(req.actor)),
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
