import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRoleId, guidFrom, SimulatorState, type FaultRule, type RecordedRequest, type SimTenant, type SimTenantConfig } from './state';
import { handleControl } from './control';

/**
 * A local stand-in for the Microsoft identity platform and Microsoft Graph: the exact endpoints
 * the Microsoft adapter calls, for a configurable set of tenants, with scripted faults. Used by
 * the dev stack and by tests over real HTTP; never by production.
 */
export interface ProviderSimulatorOptions {
  port?: number;
  host?: string;
  tenants?: SimTenantConfig[];
  /** treat any unknown tenant GUID as healthy (default false) */
  autoTenants?: boolean;
}

export interface ProviderSimulator {
  /** http://host:port, usable as both the login and the Graph base URL */
  url: string;
  port: number;
  state: SimulatorState;
  setTenant(config: SimTenantConfig): SimTenant;
  addFault(tenantId: string, rule: FaultRule): void;
  clearFaults(tenantId?: string): void;
  requests(tenantId?: string): RecordedRequest[];
  close(): Promise<void>;
}

/** The service principal id standing for Microsoft Graph itself (owner of the app roles). */
export const GRAPH_RESOURCE_ID = '5a1b6c1e-0000-4000-8000-00000000a9a9';

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
const graphError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  json(status, { error: { code, message } }, headers);
const tokenError = (status: number, error: string, aadsts: number, text: string, headers?: Record<string, string>) =>
  json(status, { error, error_description: `AADSTS${aadsts}: ${text}`, error_codes: [aadsts] }, headers);

// unref: a scripted slow answer must not keep a test process (or a closing simulator) alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The reply a scripted fault produces, or undefined for `slow` (which only delays). */
function faultReply(rule: FaultRule, endpoint: 'token' | 'graph'): Reply | undefined {
  const retryAfter = rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : undefined;
  switch (rule.kind) {
    case 'throttle':
      return graphError(429, 'TooManyRequests', 'Too many requests', { 'Retry-After': String(rule.retryAfterSeconds ?? 1) });
    case 'unavailable':
      return graphError(503, 'ServiceUnavailable', 'Service unavailable', retryAfter);
    case 'forbidden':
      return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    case 'unauthorized':
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    case 'consent_missing':
      return endpoint === 'token'
        ? tokenError(400, 'invalid_grant', 65001, 'The user or administrator has not consented to use the application.')
        : graphError(401, 'InvalidAuthenticationToken', 'Consent was revoked.');
    case 'slow':
      return undefined;
  }
}

function page<T>(all: T[], url: URL, base: string, pageSize: number): Reply {
  const top = Math.max(1, Math.min(999, Number(url.searchParams.get('$top')) || pageSize));
  const skip = Math.max(0, Number(url.searchParams.get('$skiptoken')) || 0);
  const value = all.slice(skip, skip + top);
  const body: Record<string, unknown> = { value };
  if (skip + top < all.length) {
    const next = new URL(url.pathname, base);
    for (const [k, v] of url.searchParams) if (k !== '$skiptoken' && k !== '$top') next.searchParams.set(k, v);
    next.searchParams.set('$top', String(top));
    next.searchParams.set('$skiptoken', String(skip + top));
    body['@odata.nextLink'] = next.toString();
  }
  return json(200, body);
}

function token(state: SimulatorState, tenant: SimTenant, form: URLSearchParams, entry: RecordedRequest): Reply {
  const clientId = (form.get('client_id') ?? '').toLowerCase();
  if (form.get('grant_type') !== 'client_credentials' || !clientId) {
    return tokenError(400, 'invalid_request', 900144, 'The request body must contain client_id and grant_type.');
  }
  const secret = form.get('client_secret') ?? '';
  entry.secretMatched = tenant.clientSecret === undefined ? secret.length > 0 : secret === tenant.clientSecret;
  if (!entry.secretMatched) return tokenError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  if (!tenant.consentGranted) {
    return tokenError(400, 'invalid_grant', 65001, 'The user or administrator has not consented to use the application.');
  }
  const issued = state.issueToken(tenant.tenantId, clientId);
  return json(200, { token_type: 'Bearer', expires_in: issued.expiresIn, access_token: issued.token });
}

function graph(tenant: SimTenant, clientId: string, url: URL, base: string): Reply {
  const path = url.pathname.replace(/\/+$/, '');
  const appSpId = guidFrom(`sp:${tenant.tenantId}:${clientId}`);
  const filter = url.searchParams.get('$filter') ?? '';
  if (path === '/v1.0/organization') {
    return json(200, { value: [{ id: tenant.tenantId, displayName: tenant.displayName, verifiedDomains: tenant.domains.map((name) => ({ name })) }] });
  }
  if (path === '/v1.0/servicePrincipals') {
    const appId = /appId eq '([^']+)'/.exec(filter)?.[1]?.toLowerCase();
    return json(200, { value: appId === clientId ? [{ id: appSpId, appId: clientId }] : [] });
  }
  if (path === `/v1.0/servicePrincipals/${appSpId}/appRoleAssignments`) {
    const assignments = tenant.applicationPermissions.map((permission) => ({
      id: guidFrom(`assignment:${tenant.tenantId}:${permission}`),
      appRoleId: appRoleId(permission),
      principalId: appSpId,
      resourceId: GRAPH_RESOURCE_ID,
      resourceDisplayName: 'Microsoft Graph',
    }));
    return page(assignments, url, base, tenant.pageSize);
  }
  if (path === `/v1.0/servicePrincipals/${GRAPH_RESOURCE_ID}`) {
    const appRoles = tenant.applicationPermissions.map((value) => ({ id: appRoleId(value), value }));
    return json(200, { id: GRAPH_RESOURCE_ID, displayName: 'Microsoft Graph', appRoles });
  }
  if (path === '/v1.0/oauth2PermissionGrants') {
    const grantClient = /clientId eq '([^']+)'/.exec(filter)?.[1];
    const grants = grantClient === appSpId && tenant.delegatedPermissions.length > 0
      ? [{ clientId: appSpId, consentType: 'AllPrincipals', resourceId: GRAPH_RESOURCE_ID, scope: tenant.delegatedPermissions.join(' ') }]
      : [];
    return page(grants, url, base, tenant.pageSize);
  }
  if (path === '/v1.0/users' || path === '/v1.0/groups') {
    const kind = path.endsWith('users') ? 'user' : 'group';
    const count = kind === 'user' ? tenant.users : tenant.groups;
    const items = Array.from({ length: count }, (_, i) => ({
      id: guidFrom(`${kind}:${tenant.tenantId}:${i}`),
      displayName: `Simulated ${kind} ${i + 1}`,
    }));
    return page(items, url, base, tenant.pageSize);
  }
  return graphError(404, 'Request_ResourceNotFound', 'Resource not found.');
}

async function route(state: SimulatorState, req: http.IncomingMessage, base: string, entry: RecordedRequest): Promise<Reply> {
  const url = new URL(req.url ?? '/', base);
  if (url.pathname.startsWith('/_sim/')) {
    entry.endpoint = 'control';
    return handleControl(state, req.method ?? 'GET', url, await readBody(req));
  }
  const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
  if (tokenPath && req.method === 'POST') {
    entry.endpoint = 'token';
    const tenant = state.tenant(decodeURIComponent(tokenPath[1]!));
    if (!tenant) return tokenError(400, 'invalid_request', 90002, 'Tenant not found.');
    entry.tenantId = tenant.tenantId;
    const form = new URLSearchParams(await readBody(req));
    const fault = await applyFault(state, tenant.tenantId, 'token', url.pathname, entry);
    return fault ?? token(state, tenant, form, entry);
  }
  if (url.pathname.startsWith('/v1.0/') && req.method === 'GET') {
    entry.endpoint = 'graph';
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const holder = bearer ? state.tokenHolder(bearer) : undefined;
    if (!holder) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    entry.tenantId = holder.tenantId;
    const tenant = state.tenant(holder.tenantId);
    if (!tenant) return graphError(401, 'InvalidAuthenticationToken', 'Tenant no longer exists.');
    const fault = await applyFault(state, tenant.tenantId, 'graph', url.pathname, entry);
    if (fault) return fault;
    if (!tenant.consentGranted) return graphError(401, 'InvalidAuthenticationToken', 'Consent was revoked.');
    return graph(tenant, holder.clientId, url, base);
  }
  return graphError(404, 'NotFound', 'No such endpoint in the provider simulator.');
}

async function applyFault(state: SimulatorState, tenantId: string, endpoint: 'token' | 'graph', path: string, entry: RecordedRequest) {
  const rule = state.nextFault(tenantId, endpoint, path);
  if (!rule) return undefined;
  entry.fault = rule.kind;
  if (rule.kind === 'slow') await sleep(rule.delayMs ?? 5_000);
  return faultReply(rule, endpoint);
}

export async function startProviderSimulator(options: ProviderSimulatorOptions = {}): Promise<ProviderSimulator> {
  const state = new SimulatorState(options.autoTenants ?? false);
  for (const tenant of options.tenants ?? []) state.setTenant(tenant);
  const host = options.host ?? '127.0.0.1';
  let base = '';
  const server = http.createServer((req, res) => {
    const entry: RecordedRequest = {
      at: new Date().toISOString(), method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!,
      tenantId: null, endpoint: 'unknown', status: 0, fault: null,
    };
    route(state, req, base, entry)
      .catch((): Reply => graphError(400, 'BadRequest', 'The request could not be read.'))
      .then((reply) => {
        entry.status = reply.status;
        if (entry.endpoint !== 'control') state.record(entry);
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host}:${port}`;
  return {
    url: base,
    port,
    state,
    setTenant: (config) => state.setTenant(config),
    addFault: (tenantId, rule) => state.addFault(tenantId, rule),
    clearFaults: (tenantId) => state.clearFaults(tenantId),
    requests: (tenantId) => state.requests(tenantId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

