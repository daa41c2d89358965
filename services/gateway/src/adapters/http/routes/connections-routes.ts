import { z } from '@tenantatlas/core';
import type { Capability } from '../../../domain/access';
import type { ConnectionsPort, OperationsPort } from '../../grpc/downstream';
import { domainName, guid, id, reply, route, words, type RouteContext, type RouteDef } from '../route';
import { listRoute, requireResourceInScope } from './scope';
import { connectionPage, connectionResponse } from '../responses/connections';
import { startedRunResponse } from '../responses/operations';

const connectionParams = z.object({ workspaceId: id, connectionId: id });
type Ctx = RouteContext<{ workspaceId: string; connectionId: string }, unknown, unknown>;

/**
 * What a new connection needs (also inside an onboarding draft): the application (client) id is a
 * GUID; the target tenant a tenant GUID or a domain name, as the connections service checks.
 */
export const newConnection = z.object({
  display_name: words(120),
  connection_type: z.enum(['application', 'delegated']).optional(),
  client_id: guid,
  target_tenant_id: z.union([guid, domainName]),
  client_secret: z.string().min(1).max(1024).regex(/^[^\u0000-\u001f\u007f]+$/, 'expected printable characters').optional(),
  make_default: z.boolean().optional(),
});

/** Verification is an operations run (spec 073: create or reuse an OperationRun), never a synchronous call. */
export const CONNECTION_CHECK_RUN_TYPE = 'provider.connection.check';

export function connectionsRoutes(connections: ConnectionsPort, operations: OperationsPort): RouteDef[] {
  /** Reads the connection (scoped by workspace) so its tenant can be checked against the member scope. */
  const inScope = async (ctx: Ctx) => {
    const { connection } = await connections.GetConnection({ workspace_id: ctx.workspaceId, connection_id: ctx.params.connectionId, tenant_id: '' });
    requireResourceInScope(ctx, 'connection', connection?.tenant_id);
    return connection!;
  };
  const toggle = (action: 'default' | 'enable' | 'disable', summary: string, call: ConnectionsPort['SetDefaultConnection']) =>
    route({
      method: 'post',
      path: `/api/workspaces/{workspaceId}/connections/{connectionId}/${action}`,
      summary,
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.manage' satisfies Capability,
      params: connectionParams,
      success: { status: 200, body: connectionResponse },
      async handler(ctx) {
        await inScope(ctx);
        return call({ workspace_id: ctx.workspaceId, actor: ctx.actor, connection_id: ctx.params.connectionId });
      },
    });

  return [
    listRoute({
      path: '/api/workspaces/{workspaceId}/connections',
      summary: 'Provider connections (never their secrets)',
      tag: 'connections',
      capability: 'connection.view',
      filters: { tenantId: id.optional() },
      success: connectionPage,
      items: 'connections',
      pageSize: 100,
      fetch: ({ workspaceId, query }, page) => connections.ListConnections({ workspace_id: workspaceId, tenant_id: query.tenantId ?? '', page }),
      tenantOf: (c) => c.tenant_id,
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/connections',
      summary: 'Create a provider connection for a tenant (the client secret is write-only)',
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.manage',
      success: { status: 201, body: connectionResponse },
      body: newConnection.extend({ tenant_id: id }),
      async handler(ctx) {
        ctx.requireTenant(ctx.body.tenant_id);
        return reply(201, await connections.CreateConnection({ workspace_id: ctx.workspaceId, actor: ctx.actor, ...ctx.body }));
      },
    }),
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/connections/{connectionId}',
      summary: 'One provider connection with its permission posture',
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.view',
      params: connectionParams,
      success: { status: 200, body: connectionResponse },
      async handler(ctx) {
        return { connection: await inScope(ctx) };
      },
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/connections/{connectionId}/check',
      summary: 'Verify the connection: starts (or reuses) a provider.connection.check run',
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.manage',
      params: connectionParams,
      success: { status: 200, body: startedRunResponse },
      async handler(ctx) {
        const connection = await inScope(ctx);
        ctx.requireCapability('operations.start');
        return operations.StartRun({
          workspace_id: ctx.workspaceId,
          actor: ctx.actor,
          tenant_id: connection.tenant_id,
          type: CONNECTION_CHECK_RUN_TYPE,
          subject: connection.id,
        });
      },
    }),
    toggle('default', 'Make this the tenant default connection', (req) => connections.SetDefaultConnection(req)),
    toggle('enable', 'Enable the connection', (req) => connections.EnableConnection(req)),
    toggle('disable', 'Disable the connection', (req) => connections.DisableConnection(req)),
  ];
}
