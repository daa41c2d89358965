import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpServerDuration, secondsSince } from './metrics';

/** The parts of an express request this middleware reads (shared does not depend on express). */
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/**
 * Express middleware recording `tenantatlas_http_server_duration_seconds{http_method, http_route,
 * http_status_code}`. Mount it first (`app.use(httpMetrics())`). The route is the matched
 * template (`/api/workspaces/:workspaceId/runs`), never the raw URL, so ids do not explode the
 * series count; a request no route matched is recorded as `unmatched`.
 */
export function httpMetrics(options: { ignore?: string[] } = {}) {
  const ignore = new Set(options.ignore ?? ['/healthz', '/readyz', '/metrics']);
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (ignore.has(path)) {
      next();
      return;
    }
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const template = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      httpServerDuration().record(secondsSince(start), {
        http_method: req.method ?? 'GET',
        http_route: template,
        http_status_code: res.statusCode,
      });
    });
    next();
  };
}
