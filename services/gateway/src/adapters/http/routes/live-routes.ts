import type { LiveFeed } from '../../../app/live-feed';
import { tenantInScope, type TenantScope } from '../../../domain/access';
import { route, STREAMED, type RouteDef } from '../route';

/**
 * Server-Sent Events per workspace: every lifecycle change the member may see (run, draft,
 * connection), as a small summary; the UI re-reads what changed. Polling stays the fallback.
 * A stream outlives the check that opened it, so each keep-alive checks the caller again: once
 * the session or token has ended, or the member's role or tenant scope has changed, the stream
 * ends, and the browser's reconnect is checked like any request.
 */
const sameScope = (a: TenantScope, b: TenantScope) => {
  if (a.kind === 'all' || b.kind === 'all') return a.kind === b.kind;
  const [x, y] = [new Set(a.tenantIds), new Set(b.tenantIds)];
  return x.size === y.size && [...x].every((id) => y.has(id));
};

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
      async handler({ workspaceId, membership, membershipNow, req, res }) {
        res.status(200);
        res.setHeader('content-type', 'text/event-stream');
        res.setHeader('cache-control', 'no-store');
        res.setHeader('x-accel-buffering', 'no');
        res.flushHeaders();
        res.write(`retry: 3000\n: connected\n\n`);
        const unsubscribe = feed.subscribe(workspaceId, (change) => {
          if (res.writableEnded) return;
          if (change.tenantId && !tenantInScope(membership.tenantScope, change.tenantId)) return;
          res.write(`id: ${change.id}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
        });
        let checking = false;
        const keepAlive = setInterval(() => {
          if (checking) return;
          checking = true;
          void membershipNow()
            .then((now) => {
              if (res.writableEnded) return;
              if (now && now.role === membership.role && sameScope(now.tenantScope, membership.tenantScope)) res.write(': keep-alive\n\n');
              else res.end();
            })
            // the check could not be made (the database is away): the stream ends, as a request would fail
            .catch(() => res.writableEnded || res.end())
            .finally(() => (checking = false));
        }, keepAliveMs);
        let stopped = false;
        const stop = () => {
          if (stopped) return;
          stopped = true;
          clearInterval(keepAlive);
          unsubscribe();
        };
        req.on('close', stop);
        res.on('close', stop);
        return STREAMED;
      },
    }),
  ];
}
