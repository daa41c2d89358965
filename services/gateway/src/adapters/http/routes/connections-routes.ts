import { z } from '@tenantatlas/shared';
import type { Capability } from '../../../domain/capabilities';
import type { ConnectionsPort, OperationsPort } from '../../grpc/downstream';
import { id, pageQuery, reply, route, type RouteContext, type RouteDef } from '../route';
import { filterToScope, requireResourceInScope } from './scope';

const connectionParams = z.object({ workspaceId: id, connectionId: id });
type Ctx = RouteContext<{ workspaceId: string; connectionId: string }, unknown, unknown>;

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
      async handler(ctx) {
        await inScope(ctx);
        return call({ workspace_id: ctx.workspaceId, actor: ctx.actor, connection_id: ctx.params.connectionId });
      },
    });

  return [
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/connections',
      summary: 'Provider connections (never their secrets)',
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.view',
      query: z.object({ tenantId: id.optional(), ...pageQuery }),
      async handler(ctx) {
        if (ctx.query.tenantId) ctx.requireTenant(ctx.query.tenantId);
        const res = await connections.ListConnections({
          workspace_id: ctx.workspaceId,
          tenant_id: ctx.query.tenantId ?? '',
          page: { page_size: ctx.query.pageSize ?? 100, page_token: ctx.query.pageToken ?? '' },
        });
        return { connections: filterToScope(ctx, res.connections, (c) => c.tenant_id), next_page_token: res.next_page_token };
      },
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/connections',
      summary: 'Create a provider connection for a tenant (the client secret is write-only)',
      tag: 'connections',
      auth: 'workspace',
      capability: 'connection.manage',
      success: { status: 201 },
      body: z.object({
        tenant_id: id,
        display_name: z.string().trim().min(1).max(200),
        connection_type: z.enum(['application', 'delegated']).optional(),
        client_id: z.string().trim().min(1).max(200),
        target_tenant_id: z.string().trim().min(1).max(200),
        client_secret: z.string().min(1).max(1000).optional(),
        make_default: z.boolean().optional(),
      }),
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
