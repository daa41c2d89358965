/**
 * What an operator has in a workspace when the whole system stops, built through the gateway's
 * public API only: an active tenant with a verified connection, an open draft at the wizard's
 * step 3 (verify) with a connection of its own, an API token beside the signed-in session, and
 * runs in flight (some running, some queued behind them).
 */
import { randomUUID } from 'node:crypto';
import type { Stack } from '../system-stack';
import { FaultApi } from '../faults/api';
import { ok, Operator } from '../journeys/operator';

export const CHECK = 'provider.connection.check';

/** An app registration at the provider: the secret the provider expects for its tenant. */
export interface ProviderApp {
  externalTenantId: string;
  clientSecret: string;
}

export interface Estate {
  /** the admin's signed-in session (cookie + CSRF token) */
  op: Operator;
  /** the same admin through an API token */
  api: FaultApi;
  userId: string;
  tenantId: string;
  connectionId: string;
  /** the first connection check: the wizard's verification */
  verificationRunId: string;
  draft: { id: string; version: number; currentStep: string; lifecycleState: string; connectionId: string };
  apps: ProviderApp[];
}

export interface RunsInFlight {
  /** running when the stack stops: their first attempt sleeps far longer than the test waits */
  running: string[];
  /** queued behind them (the worker's two slots are taken) */
  queued: string[];
}

/** The provider keeps its app registrations; the simulator forgets them when it restarts. */
export async function tellProvider(stack: Stack, apps: ProviderApp[]): Promise<void> {
  for (const app of apps) await stack.simulator.control('PUT', `/tenants/${app.externalTenantId}`, { clientSecret: app.clientSecret });
}

const newApp = (): ProviderApp => ({ externalTenantId: randomUUID(), clientSecret: `restart-secret-${randomUUID()}` });

const newConnection = (app: ProviderApp, displayName: string) => ({
  display_name: displayName,
  client_id: randomUUID(),
  target_tenant_id: app.externalTenantId,
  client_secret: app.clientSecret,
});

/** The wizard's steps 1–2: a tenant identified at the provider, its draft given a new connection. */
async function identifyAndConnect(op: Operator, app: ProviderApp, tenantName: string, appName: string) {
  const identified = await op.identify(app.externalTenantId, tenantName);
  const connected = ok(
    await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/connection', {
      params: op.in({ draftId: identified.draftId }),
      body: { expected_version: identified.draft.version, new_connection: newConnection(app, appName) },
    }),
  );
  return { ...identified, connected };
}

export async function buildEstate(stack: Stack): Promise<Estate> {
  const apps = [newApp(), newApp()];
  await tellProvider(stack, apps);
  const op = await Operator.signIn(stack.gatewayUrl, stack.admin.email, stack.admin.password);

  // the wizard, steps 1–5: identify, connect (with a secret), verify, complete
  const active = await identifyAndConnect(op, apps[0]!, 'Restart Contoso', 'Restart app');
  const activeDraft = op.in({ draftId: active.draftId });
  const selected = active.connected;
  const verification = ok(
    await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/verification', { params: activeDraft, body: { expected_version: selected.draft.version } }),
  );
  await op.waitForReadiness(active.draftId, (r) => r.ready && r.verification?.status === 'succeeded', 'the verification to pass', 90_000);
  const activated = ok(
    await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/activate', { params: activeDraft, body: { expected_version: verification.draft.version } }),
  );
  if (activated.tenant?.status !== 'active') throw new Error(`the tenant is ${activated.tenant?.status} after activation`);

  // another tenant's wizard left open at step 3 (verify), its connection created but not checked
  const open = await identifyAndConnect(op, apps[1]!, 'Restart Fabrikam', 'Draft app');
  const openDraft = op.in({ draftId: open.draftId });
  const connected = open.connected;
  const atVerify = ok(
    await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/step', { params: openDraft, body: { expected_version: connected.draft.version, step: 'verify' } }),
  );

  const token = ok(await op.api.POST('/api/tokens', { body: { name: 'restart-test' } }));
  return {
    op,
    api: FaultApi.withToken(stack.gatewayUrl, op.workspaceId, token.token),
    userId: op.userId,
    tenantId: active.tenantId,
    connectionId: selected.connection_id,
    verificationRunId: verification.run_id,
    draft: {
      id: open.draftId,
      version: atVerify.draft.version,
      currentStep: atVerify.draft.current_step,
      lifecycleState: atVerify.draft.lifecycle_state,
      connectionId: connected.connection_id,
    },
    apps,
  };
}

/**
 * Two runs whose first attempt outlasts the stack (their second attempt succeeds at once), then
 * two quick ones that stay queued because the worker's slots (WORKER_CONCURRENCY=2) are taken.
 */
export async function startRunsInFlight(estate: Estate, tag: string): Promise<RunsInFlight> {
  const start = async (subject: string, script: string): Promise<string> => {
    const body = { tenant_id: estate.tenantId, type: 'diagnostics.scripted', subject, context: { script }, idempotency_key: `${tag}:${subject}` };
    return (await estate.api.ok('POST', '/runs', body)).run.id as string;
  };
  const running = [await start(`${tag}-long-1`, 'sleep:300000+ok,ok'), await start(`${tag}-long-2`, 'sleep:300000+ok,ok')];
  await Promise.all(running.map((id) => estate.op.waitForRun(id, (r) => r.status === 'running', `run ${id} to be running`)));
  const queued = [await start(`${tag}-quick-1`, 'sleep:100+ok'), await start(`${tag}-quick-2`, 'sleep:100+ok')];
  for (const id of [...running, ...queued]) {
    const run = await estate.op.run(id);
    const expected = running.includes(id) ? 'running' : 'queued';
    if (run.status !== expected) throw new Error(`run ${id} is ${run.status}, expected ${expected} before the stop`);
  }
  return { running, queued };
}
