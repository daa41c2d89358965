import type { LiveFeed } from '../../../app/live-feed';
import { tenantInScope } from '../../../domain/access';
import { route, STREAMED, type RouteDef } from '../route';

/**
 * Server-Sent Events per workspace: every lifecycle change the member may see (run, draft,
 * connection), as a small summary; the UI re-reads what changed. Polling stays the fallback.
 */
export function liveRoutes(feed: LiveFeed, keepAliveMs = 15_000): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/events',
      summary: 'Live changes of the workspace as text/event-stream (filtered to your tenant scope)',
      tag: 'live',
      auth: 'workspace',
      capability: 'tenant.view',
      success: { status: 200, contentTypes: ['text/event-stream'] },
      async handler({ workspaceId, membership, req, res }) {
        res.status(200);
        res.setHeader('content-type', 'text/event-stream');
        res.setHeader('cache-control', 'no-store');
        res.setHeader('x-accel-buffering', 'no');
        res.flushHeaders();
        res.write(`retry: 3000\n: connected\n\n`);
        const unsubscribe = feed.subscribe(workspaceId, (change) => {
          if (change.tenantId && !tenantInScope(membership.tenantScope, change.tenantId)) return;
          res.write(`id: ${change.id}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
        });
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
        req.on('close', () => {
          clearInterval(keepAlive);
          unsubscribe();
        });
        return STREAMED;
      },
    }),
  ];
}
