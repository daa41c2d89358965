import { z } from '@tenantatlas/core';
import type { OperationsPort } from '../../grpc/downstream';
import { id, route, words, type RouteDef } from '../route';
import { filterFields, listRoute, requireRunInScope, requireTenantWhenLimited, resourceRoute } from './scope';
import { RUN_OUTCOMES, RUN_STATUSES, retriedRunsResponse, runPage, runResponse, runTypesResponse, startedRunResponse } from '../responses/operations';

const runParams = z.object({ workspaceId: id, runId: id });
const rfc3339 = z.string().datetime({ offset: true });
/** 1 to 200 printable ASCII characters, as the operations service keys its deduplication. */
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected 1 to 200 printable characters');


/** ListRuns' filter fields and the task board's query parameters they come from. */
const RUN_FILTER = {
  tenant_id: 'tenantId',
  type: 'type',
  status: 'status',
  outcome: 'outcome',
  subject: 'subject',
  reason_code: 'reasonCode',
  created_after: 'createdAfter',
  created_before: 'createdBefore',
} as const;

export function operationsRoutes(operations: OperationsPort): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/run-types',
      summary: 'Registered run types and their retry policies',
      tag: 'runs',
      auth: 'user',
      success: { status: 200, body: runTypesResponse },
      async handler() {
        return operations.ListRunTypes({});
      },
    }),
    listRoute({
      path: '/api/workspaces/{workspaceId}/runs',
      summary: 'Operation runs, newest first (the task board)',
      tag: 'runs',
      capability: 'operations.view',
      filters: {
        tenantId: id.optional(),
        type: z.string().max(100).optional(),
        status: z.enum(RUN_STATUSES).optional(),
        outcome: z.enum(RUN_OUTCOMES).optional(),
        subject: z.string().max(200).optional(),
        reasonCode: z.string().max(100).optional(),
        createdAfter: z.string().datetime({ offset: true }).optional(),
        createdBefore: z.string().datetime({ offset: true }).optional(),
      },
      success: runPage,
      items: 'runs',
      pageSize: 50,
      fetch: ({ workspaceId, query }, page) =>
        operations.ListRuns({ workspace_id: workspaceId, ...filterFields(query, RUN_FILTER), page }),
      tenantOf: (r) => r.tenant_id,
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/runs',
      summary: 'Start a run (deduplicated: an active run of the same kind is returned instead)',
      tag: 'runs',
      auth: 'workspace',
      capability: 'operations.start',
      success: { status: 200, body: startedRunResponse },
      problems: {
        400:
          'the request does not match this schema (REQUEST.INVALID), or the run type refuses it: an unknown type (RUN.UNKNOWN_TYPE), ' +
          'a subject or context it does not take (GET /api/run-types lists each type with its subject and context keys)',
      },
      body: z.object({
        tenant_id: id,
        type: words(100),
        subject: z.string().max(200).optional(),
        context: z.record(z.string().max(100), z.string().max(1000)).optional(),
        idempotency_key: idempotencyKey.optional(),
      }),
      async handler(ctx) {
        ctx.requireTenant(ctx.body.tenant_id);
        return operations.StartRun({ workspace_id: ctx.workspaceId, actor: ctx.actor, ...ctx.body });
      },
    }),
    resourceRoute({
      path: '/api/workspaces/{workspaceId}/runs/{runId}',
      summary: 'One run with its attempts, reason codes and sanitized messages',
      tag: 'runs',
      capability: 'operations.view',
      params: runParams,
      success: runResponse,
      kind: 'run',
      fetch: (workspaceId, { runId }) => operations.GetRun({ workspace_id: workspaceId, run_id: runId }),
      tenantOf: (res) => res.run?.tenant_id,
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/runs/{runId}/cancel',
      summary: 'Cancel a queued or running run',
      tag: 'runs',
      auth: 'workspace',
      capability: 'operations.start',
      params: runParams,
      success: { status: 200, body: runResponse },
      async handler(ctx) {
        await requireRunInScope(ctx, operations, ctx.params.runId);
        return operations.CancelRun({ workspace_id: ctx.workspaceId, actor: ctx.actor, run_id: ctx.params.runId });
      },
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/runs/{runId}/rerun',
      summary: 'Rerun a completed run',
      tag: 'runs',
      auth: 'workspace',
      capability: 'operations.start',
      params: runParams,
      body: z.object({ idempotency_key: idempotencyKey.optional() }),
      success: { status: 200, body: startedRunResponse },
      async handler(ctx) {
        await requireRunInScope(ctx, operations, ctx.params.runId);
        return operations.RerunRun({
          workspace_id: ctx.workspaceId,
          actor: ctx.actor,
          run_id: ctx.params.runId,
          idempotency_key: ctx.body.idempotency_key ?? '',
        });
      },
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/runs/retry-failed',
      summary: 'Bulk retry: rerun the failed runs matching the filter (limited members must name a tenant)',
      tag: 'runs',
      auth: 'workspace',
      capability: 'operations.start',
      body: z.object({
        tenant_id: id.optional(),
        type: z.string().max(100).optional(),
        completed_after: rfc3339.optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
      success: { status: 200, body: retriedRunsResponse },
      async handler(ctx) {
        if (ctx.body.tenant_id) ctx.requireTenant(ctx.body.tenant_id);
        else requireTenantWhenLimited(ctx, 'body.tenant_id');
        return operations.RetryFailedRuns({ workspace_id: ctx.workspaceId, actor: ctx.actor, ...ctx.body });
      },
    }),
  ];
}
