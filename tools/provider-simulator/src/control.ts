import { FAULT_KINDS, type FaultRule, type SimTenantConfig, type SimulatorState } from './state';

/**
 * The simulator's own HTTP API (`/_sim/...`), so a standalone simulator can be scripted from a
 * shell or another process the same way tests script an embedded one.
 *   GET    /_sim/health
 *   PUT    /_sim/tenants/{tenantId}          body: SimTenantConfig (merged into the tenant)
 *   GET    /_sim/tenants/{tenantId}
 *   POST   /_sim/tenants/{tenantId}/faults   body: FaultRule
 *   DELETE /_sim/tenants/{tenantId}/faults
 *   GET    /_sim/requests[?tenantId=]
 *   POST   /_sim/reset
 */
interface Reply {
  status: number;
  body: unknown;
}

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function validFault(input: Record<string, unknown>): FaultRule | string {
  if (!FAULT_KINDS.includes(input.kind as FaultRule['kind'])) return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  for (const field of ['skip', 'times', 'retryAfterSeconds', 'delayMs'] as const) {
    const value = input[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) return `${field} must be a non-negative integer`;
  }
  if (input.endpoint !== undefined && typeof input.endpoint !== 'string') return 'endpoint must be a string';
  return input as unknown as FaultRule;
}

function validTenant(input: Record<string, unknown>): Partial<SimTenantConfig> | string {
  for (const field of ['domains', 'applicationPermissions', 'delegatedPermissions'] as const) {
    const value = input[field];
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) return `${field} must be an array of strings`;
  }
  for (const field of ['users', 'groups', 'pageSize'] as const) {
    const value = input[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) return `${field} must be a non-negative integer`;
  }
  if (input.consentGranted !== undefined && typeof input.consentGranted !== 'boolean') return 'consentGranted must be a boolean';
  for (const field of ['displayName', 'clientSecret'] as const) {
    if (input[field] !== undefined && typeof input[field] !== 'string') return `${field} must be a string`;
  }
  return input as Partial<SimTenantConfig>;
}

export function handleControl(state: SimulatorState, method: string, url: URL, body: string): Reply {
  const path = url.pathname;
  if (path === '/_sim/health') return { status: 200, body: { status: 'ok' } };
  if (path === '/_sim/reset' && method === 'POST') {
    state.reset();
    return { status: 204, body: {} };
  }
  if (path === '/_sim/requests' && method === 'GET') {
    return { status: 200, body: { requests: state.requests(url.searchParams.get('tenantId') ?? undefined) } };
  }
  const match = /^\/_sim\/tenants\/([^/]+)(\/faults)?$/.exec(path);
  if (!match) return { status: 404, body: { error: 'unknown control endpoint' } };
  const tenantId = decodeURIComponent(match[1]!);
  if (!match[2]) {
    if (method === 'GET') {
      const tenant = state.tenant(tenantId);
      return tenant ? { status: 200, body: { ...tenant, clientSecret: undefined } } : { status: 404, body: { error: 'no such tenant' } };
    }
    if (method !== 'PUT') return { status: 405, body: { error: 'use GET or PUT' } };
    const input = parse(body);
    const config = input ? validTenant(input) : 'body must be a JSON object';
    if (typeof config === 'string') return { status: 400, body: { error: config } };
    const tenant = state.setTenant({ ...config, tenantId });
    return { status: 200, body: { ...tenant, clientSecret: undefined } };
  }
  if (method === 'DELETE') {
    state.clearFaults(tenantId);
    return { status: 204, body: {} };
  }
  if (method !== 'POST') return { status: 405, body: { error: 'use POST or DELETE' } };
  const input = parse(body);
  const rule = input ? validFault(input) : 'body must be a JSON object';
  if (typeof rule === 'string') return { status: 400, body: { error: rule } };
  state.addFault(tenantId, rule);
  return { status: 201, body: rule };
}
