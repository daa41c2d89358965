import type { LiveFeed } from './app/live-feed';
import type { Downstream } from './adapters/grpc/downstream';
import { openApiDocument } from './adapters/http/openapi';
import type { RouteDef } from './adapters/http/route';
import { auditRoutes } from './adapters/http/routes/audit-routes';
import { connectionsRoutes } from './adapters/http/routes/connections-routes';
import { identityRoutes } from './adapters/http/routes/identity-routes';
import { liveRoutes } from './adapters/http/routes/live-routes';
import { memberRoutes, type MemberRouteDeps } from './adapters/http/routes/member-routes';
import { onboardingRoutes } from './adapters/http/routes/onboarding-routes';
import { operationsRoutes } from './adapters/http/routes/operations-routes';

/** What the member routes need covers the identity routes too; the rest reach the services behind. */
export interface RouteTableDeps extends MemberRouteDeps {
  downstream: Pick<Downstream, 'onboarding' | 'connections' | 'operations' | 'audit'>;
  feed: LiveFeed;
}

/** Every route the gateway answers: the server serves this table, and the API document is made from it. */
export function routeTable(deps: RouteTableDeps): RouteDef[] {
  const { downstream } = deps;
  return [
    ...identityRoutes(deps),
    ...memberRoutes(deps),
    ...onboardingRoutes(downstream.onboarding),
    ...connectionsRoutes(downstream.connections, downstream.operations),
    ...operationsRoutes(downstream.operations),
    ...auditRoutes(downstream.audit),
    ...liveRoutes(deps.feed),
  ];
}

/**
 * The API document without a running gateway (clients are generated from it at build time).
 * Route factories keep their backends for the handlers only, so none is needed here; any use of
 * one while building the table fails loudly.
 */
export function apiDocument(): ReturnType<typeof openApiDocument> {
  const absent = new Proxy({}, {
    get(_target, property) {
      throw new Error(`the API document is built without backends, yet a route read ${String(property)} while being declared`);
    },
  });
  const unused = <T>() => absent as T;
  const routes = routeTable({
    identity: unused(),
    store: unused(),
    invite: unused(),
    accept: unused(),
    cookieSecure: false,
    sessionTtlMs: 0,
    downstream: { onboarding: unused(), connections: unused(), operations: unused(), audit: unused() },
    feed: unused(),
  });
  return openApiDocument(routes);
}
