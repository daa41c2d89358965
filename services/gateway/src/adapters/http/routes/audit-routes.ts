import { z } from '@tenantatlas/core';
import type { AuditFilter } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditFilter';
import type { AuditPort } from '../../grpc/downstream';
import { download } from '../download';
import { id, route, STREAMED, type RouteDef } from '../route';
import { filterFields, listRoute, requireTenantWhenLimited } from './scope';
import { auditPage } from '../responses/audit';

const filterQuery = {
  tenantId: id.optional(),
  subjectType: z.string().max(100).optional(),
  subjectId: z.string().max(200).optional(),
  actorId: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  type: z.string().max(200).optional(),
  outcome: z.string().max(100).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex characters').optional(),
};
type FilterQuery = { [K in keyof typeof filterQuery]?: string };

const toFilter = (q: FilterQuery): AuditFilter =>
  filterFields(q, {
    tenant_id: 'tenantId',
    subject_type: 'subjectType',
    subject_id: 'subjectId',
    actor_id: 'actorId',
    action: 'action',
    type: 'type',
    outcome: 'outcome',
    occurred_from: 'from',
    occurred_to: 'to',
    trace_id: 'traceId',
  });

/**
 * A record of no tenant may still speak of other tenants' affairs: the workspace's administration
 * (members and the tenants each may see, invitees' e-mails, API tokens) and drafts created before
 * their tenant was identified (the record keeps the draft's id when the draft later joins another
 * tenant). A member limited to some tenants sees only its tenants' records; this stands in for the
 * tenant of the others, one that no scope lists.
 */
const WORKSPACE_LEVEL = '(workspace level)';

/** from >= to selects nothing: answered as an empty result, as any schema-valid filter is (the audit service refuses it). */
const emptyRange = (q: FilterQuery) => Boolean(q.from && q.to && Date.parse(q.from) >= Date.parse(q.to));

export function auditRoutes(audit: AuditPort): RouteDef[] {
  return [
    listRoute({
      path: '/api/workspaces/{workspaceId}/audit',
      summary: 'Audit log, newest first, with filters and cursor pagination',
      tag: 'audit',
      capability: 'audit.view',
      filters: filterQuery,
      success: auditPage,
      items: 'events',
      pageSize: 50,
      fetch: async ({ workspaceId, query }, page) =>
        emptyRange(query) ? { events: [], next_page_token: null } : audit.ListAuditEvents({ workspace_id: workspaceId, filter: toFilter(query), page }),
      tenantOf: (e) => e.tenant_id || WORKSPACE_LEVEL,
    }),
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/audit/export',
      summary: 'Export the audit records matching the filter as CSV or NDJSON (limited members must name a tenant)',
      tag: 'audit',
      auth: 'workspace',
      capability: 'audit.export',
      success: { status: 200, contentTypes: ['application/x-ndjson', 'text/csv'] },
      query: z.object({ ...filterQuery, format: z.enum(['csv', 'ndjson']).optional() }),
      async handler(ctx) {
        if (ctx.query.tenantId) ctx.requireTenant(ctx.query.tenantId);
        else requireTenantWhenLimited(ctx, 'query.tenantId');
        const format = ctx.query.format ?? 'ndjson';
        if (emptyRange(ctx.query)) {
          ctx.res.status(200).attachment(`audit.${format}`).type(format === 'csv' ? 'text/csv' : 'application/x-ndjson').end();
          return STREAMED;
        }
        const chunks = audit.exportEvents({
          workspace_id: ctx.workspaceId,
          filter: toFilter(ctx.query),
          format: ctx.query.format === 'csv' ? 'EXPORT_FORMAT_CSV' : 'EXPORT_FORMAT_NDJSON',
        })[Symbol.asyncIterator]();
        // The first chunk is awaited before any header goes out, so a failure still becomes a JSON error.
        const first = await chunks.next();
        const head = first.done ? undefined : first.value;
        const file = download(ctx.res, head?.file_name || `audit.${format}`, head?.content_type || (format === 'csv' ? 'text/csv' : 'application/x-ndjson'));
        // gRPC flow control carries the client's pace on to audit
        if (head) await file.send(head.data);
        for (let next = await chunks.next(); !next.done && !file.gone; next = await chunks.next()) await file.send(next.value.data);
        if (file.gone) await chunks.return?.(undefined);
        file.end();
        return STREAMED;
      },
    }),
  ];
}
