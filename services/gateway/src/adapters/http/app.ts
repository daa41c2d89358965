import path from 'node:path';
import { httpMetrics } from '@tenantatlas/core';
import { asyncApiDocument } from '@tenantatlas/kafka';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { gatewayError } from '../../domain/errors';
import { problem, sendProblem } from './errors';
import { openApiDocument } from './openapi';
import { handle, sendError, type PipelineDeps } from './pipeline';
import { expressPath, type RouteDef } from './route';

export interface HttpAppDeps extends PipelineDeps {
  routes: RouteDef[];
  /** the gateway's own dependencies (database, broker), not the backend services */
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
  publicDir: string;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  next();
}

/**
 * The methods each known path answers (a GET answers HEAD too): the route table plus the public
 * GET documents (`/api/openapi.json`, ...). Anything else on a known path is a 405 with `Allow`,
 * for every method (OPTIONS and TRACE included: there is no CORS preflight to answer).
 */
function methodsByPath(routes: Pick<RouteDef, 'method' | 'path'>[]): (path: string) => string[] {
  const templates = routes.map((def) => ({
    pattern: new RegExp(`^${def.path.replace(/\{\w+\}/g, '[^/]+')}/?$`),
    method: def.method.toUpperCase(),
    parameters: (def.path.match(/\{/g) ?? []).length,
  }));
  return (path) => {
    // As in OpenAPI, a concrete path wins over a templated one: /runs/retry-failed is not /runs/{runId}.
    const matching = templates.filter((t) => t.pattern.test(path));
    const fewest = Math.min(...matching.map((t) => t.parameters));
    const methods = new Set(matching.filter((t) => t.parameters === fewest).map((t) => t.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/** Public GET documents served beside the route table. */
export const API_DOCUMENTS = ['/api/openapi.json', '/api/asyncapi.json'];

export function httpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // first, so every request is timed, by route template (the dashboard's HTTP panels)
  app.use(httpMetrics());
  app.use(securityHeaders);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await deps.readiness();
    res.status(ready ? 200 : 503).json(checks);
  });

  // Before any route: an undeclared method on a known path is a 405, an unknown /api path a 404.
  const allowedMethods = methodsByPath([...deps.routes, ...API_DOCUMENTS.map((path) => ({ method: 'get' as const, path }))]);
  app.use('/api', (req, res, next) => {
    const allowed = allowedMethods(req.originalUrl.split('?')[0]!);
    if (allowed.includes(req.method)) return next();
    if (allowed.length === 0) return sendProblem(res, problem(404, 'ROUTE.NOT_FOUND', 'no such API route'));
    res.setHeader('allow', allowed.join(', '));
    sendProblem(res, problem(405, 'ROUTE.METHOD_NOT_ALLOWED', `this route answers ${allowed.join(', ')}`, { allowed: allowed.join(', ') }));
  });

  const document = openApiDocument(deps.routes);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  // the event contract (every Kafka topic, CloudEvents envelope, data schemas) beside the HTTP one
  const events = asyncApiDocument();
  app.get('/api/asyncapi.json', (_req, res) => {
    res.json(events);
  });

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '100kb' }));
  for (const def of deps.routes) api[def.method](expressPath(def.path), handle(deps, def));
  app.use(api);
  app.use('/api', (_req, res) => sendProblem(res, problem(404, 'ROUTE.NOT_FOUND', 'no such API route')));

  app.use(express.static(deps.publicDir, { index: 'index.html', maxAge: 0 }));
  app.get('/{*path}', (_req, res) => {
    res.sendFile(path.join(deps.publicDir, 'index.html'));
  });

  // Body parser failures (malformed JSON, too large) are the client's mistake, never a 500.
  app.use((err: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') return sendError(deps.logger, res, gatewayError('REQUEST.MALFORMED_JSON', 'the body is not valid JSON'), 'parse');
    if (err.type === 'entity.too.large') {
      return sendProblem(res, problem(413, 'REQUEST.TOO_LARGE', 'the body is larger than 100 kB'));
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return sendError(deps.logger, res, gatewayError('REQUEST.INVALID', 'the request could not be read'), 'parse');
    }
    return sendError(deps.logger, res, err, 'unhandled');
  });
  return app;
}
