import { csvRow, z } from '@tenantatlas/core';
import type { OperationsPort } from '../../grpc/downstream';
import { download } from '../download';
import { id, route, STREAMED, words, type RouteDef } from '../route';
import { present } from '../responses/present';
import { filterFields, listRoute, requireRunInScope, requireTenantWhenLimited, resourceRoute } from './scope';
import { RUN_OUTCOMES, RUN_STATUSES, retriedRunsResponse, runPage, runResponse, runSchema, runTypesResponse, startedRunResponse } from '../responses/operations';

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

/** The task board's filters, in the query of its list and of its export. */
const runFilters = {
  tenantId: id.optional(),
  type: z.string().max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  outcome: z.enum(RUN_OUTCOMES).optional(),
  subject: z.string().max(200).optional(),
  reasonCode: z.string().max(100).optional(),
  createdAfter: z.string().datetime({ offset: true }).optional(),
  createdBefore: z.string().datetime({ offset: true }).optional(),
};

/** The columns of a CSV export of runs: the run's fields, objects as JSON, attempts left to NDJSON. */
const RUN_CSV_COLUMNS = [
  'id', 'tenant_id', 'type', 'subject', 'status', 'outcome', 'reason_code', 'message', 'attempt_count', 'max_attempts',
  'initiator', 'idempotency_key', 'rerun_of', 'created_at', 'started_at', 'completed_at', 'summary_counts', 'context',
] as const satisfies readonly (keyof z.output<typeof runSchema>)[];

/** runs read a page at a time for an export: ListRuns' largest page */
const EXPORT_PAGE = 200;

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
      filters: runFilters,
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
    // before /runs/{runId}, which would take `export` for a run id
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/runs/export',
      summary: 'Export the runs matching the filter, newest started first, as CSV or NDJSON (limited members must name a tenant)',
      tag: 'runs',
      auth: 'workspace',
      capability: 'operations.view',
      success: { status: 200, contentTypes: ['application/x-ndjson', 'text/csv'] },
      query: z.object({ ...runFilters, format: z.enum(['csv', 'ndjson']).optional() }),
      async handler(ctx) {
        if (ctx.query.tenantId) ctx.requireTenant(ctx.query.tenantId);
        else requireTenantWhenLimited(ctx, 'query.tenantId');
        const csv = ctx.query.format === 'csv';
        const filter = filterFields(ctx.query, RUN_FILTER);
        const pageAfter = (token: string) => operations.ListRuns({ workspace_id: ctx.workspaceId, ...filter, page: { page_size: EXPORT_PAGE, page_token: token } });
        // the first page is read before any header goes out, so a failure still becomes a JSON error
        let page = await pageAfter('');
        const file = download(ctx.res, `runs.${csv ? 'csv' : 'ndjson'}`, csv ? 'text/csv' : 'application/x-ndjson');
        if (csv) await file.send(csvRow(RUN_CSV_COLUMNS));
        // a page at a time, at the client's pace: memory holds one page whatever the history
        for (;;) {
          const lines = page.runs.map((run) => {
            const shown = present(runSchema, run);
            return csv ? csvRow(RUN_CSV_COLUMNS.map((column) => shown[column])) : `${JSON.stringify(shown)}\n`;
          });
          if (lines.length > 0) await file.send(lines.join(''));
          if (!page.next_page_token || file.gone) break;
          page = await pageAfter(page.next_page_token);
        }
        file.end();
        return STREAMED;
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
