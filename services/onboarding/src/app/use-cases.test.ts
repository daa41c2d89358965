import type { Actor } from '@tenantatlas/shared';
import { memoryDeps } from '../testing/memory';
import { activate } from './activate.use-case';
import { cancelDraft } from './cancel-draft.use-case';
import { getReadiness } from './get-readiness.use-case';
import { identifyTenant } from './identify-tenant.use-case';
import { recordConnectionFact, recordRunFact } from './record-evidence.use-case';
import { selectConnection } from './select-connection.use-case';
import { startVerification } from './start-verification.use-case';
import { archiveTenant, getTenant } from './tenants.use-case';

const OPERATOR: Actor = { kind: 'user', userId: 'op-1' };
const WS = 'ws-1';
const EXT = '0f9e3a7c-1111-4222-8333-444455556666';

/** A draft identified, with a new connection selected (version 2). */
async function connectedDraft() {
  const deps = memoryDeps();
  const { draft, tenant } = await identifyTenant(deps, { workspaceId: WS, actor: OPERATOR, draftId: '', expectedVersion: 0, externalTenantId: EXT, name: 'Contoso', primaryDomain: '' });
  const selected = await selectConnection(deps, {
    workspaceId: WS,
    actor: OPERATOR,
    draftId: draft.id,
    expectedVersion: 1,
    connectionId: '',
    newConnection: { displayName: 'app', connectionType: '', clientId: 'c', targetTenantId: EXT, clientSecret: 's', makeDefault: true },
  });
  const ref = { workspaceId: WS, actor: OPERATOR, draftId: draft.id };
  return { deps, draft: selected.draft, tenant, connectionId: selected.connection.connectionId, ref };
}

/** Verification started and completed with `outcome`; the connection reports `status`. */
async function verifiedDraft(outcome: 'succeeded' | 'failed' = 'succeeded', status = 'healthy') {
  const ctx = await connectedDraft();
  const started = await startVerification(ctx.deps, { ...ctx.ref, expectedVersion: 2 });
  ctx.deps.connections.set(ctx.connectionId, { verificationStatus: status, consentStatus: 'granted' });
  await recordRunFact(ctx.deps, { workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(started.runId, outcome) });
  return { ...ctx, runId: started.runId };
}

describe('use cases against in-memory ports', () => {
  it('identify creates the tenant once and resumes its open draft', async () => {
    const deps = memoryDeps();
    const cmd = { workspaceId: WS, actor: OPERATOR, draftId: '', expectedVersion: 0, externalTenantId: EXT.toUpperCase(), name: 'Contoso', primaryDomain: 'Contoso.com' };
    const first = await identifyTenant(deps, cmd);
    const second = await identifyTenant(deps, cmd);
    expect(first).toMatchObject({ resumed: false, tenantCreated: true, tenant: { externalTenantId: EXT, primaryDomain: 'contoso.com' } });
    expect(second).toMatchObject({ resumed: true, tenantCreated: false, draft: { id: first.draft.id } });
  });

  it('a run-completed fact moves the checkpoint; a replay changes nothing', async () => {
    const ctx = await verifiedDraft();
    const draft = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    expect(draft).toMatchObject({ lifecycleState: 'ready_for_activation', lastCompletedCheckpoint: 'verify_access', version: 3 });
    const events = ctx.deps.drafts.events.length;
    await recordRunFact(ctx.deps, { workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.runs.get(ctx.runId)! });
    expect(ctx.deps.drafts.events).toHaveLength(events);
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!.revision).toBe(draft.revision);
  });

  it('a stale retry of StartVerification is a conflict and starts no second run', async () => {
    const ctx = await connectedDraft();
    const first = await startVerification(ctx.deps, { ...ctx.ref, expectedVersion: 2 });
    const retry = await startVerification(ctx.deps, { ...ctx.ref, expectedVersion: 2 }).catch((e: unknown) => e);
    expect(retry).toMatchObject({ code: 'DRAFT.VERSION_CONFLICT' });
    expect(ctx.deps.operations.runs.size).toBe(1);
    expect(first.deduplicated).toBe(false);
  });

  it('a connection change after verification makes the draft stale until it reruns', async () => {
    const ctx = await verifiedDraft();
    ctx.deps.connections.set(ctx.connectionId, { verificationStale: true });
    await recordConnectionFact(ctx.deps, { workspaceId: WS, tenantId: ctx.tenant.id, connectionId: ctx.connectionId, invalidatedAt: new Date(Date.now() + 1_000) });
    const stale = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    expect(stale).toMatchObject({ lifecycleState: 'action_required', reasonCode: 'VERIFICATION_STALE', version: 3 });
    const refused = await activate(ctx.deps, { ...ctx.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'rerun_verification' } });
  });

  it('activation reads backend truth: a degraded connection or an unreachable service refuses it', async () => {
    const degraded = await verifiedDraft('succeeded', 'degraded');
    const a = await activate(degraded.deps, { ...degraded.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(a).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'review_permissions' } });

    const ok = await verifiedDraft();
    // the connection is no longer healthy right now (a newer check is pending)
    ok.deps.connections.set(ok.connectionId, { verificationStatus: 'pending' });
    const b = await activate(ok.deps, { ...ok.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(b).toMatchObject({ code: 'DRAFT.NOT_READY', details: { reasonCode: 'CONNECTION_NOT_HEALTHY' } });

    const down = await verifiedDraft();
    down.deps.connections.getConnection = async () => {
      throw new Error('connections unavailable');
    };
    const c = await activate(down.deps, { ...down.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(c).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE', kind: 'unavailable' });
    const readiness = await getReadiness(down.deps, WS, down.draft.id);
    expect(readiness.readiness).toMatchObject({ fromStoredEvidence: true });
  });

  it('activation completes the draft and activates the tenant when ready', async () => {
    const ctx = await verifiedDraft();
    const result = await activate(ctx.deps, { ...ctx.ref, expectedVersion: 3, override: false, overrideReason: '' });
    expect(result.draft).toMatchObject({ lifecycleState: 'completed', version: 4, activationOverride: null });
    expect(result.tenant).toMatchObject({ tenant: { status: 'active' }, operability: { canArchive: true, canRunOperations: true } });
    const types = ctx.deps.tenants.events.map((e) => e.type);
    expect(types).toEqual(['tenantatlas.onboarding.tenant.created', 'tenantatlas.onboarding.tenant.onboarding_started', 'tenantatlas.onboarding.tenant.activated']);
  });

  it('evidence never touches a terminal draft', async () => {
    const ctx = await connectedDraft();
    const started = await startVerification(ctx.deps, { ...ctx.ref, expectedVersion: 2 });
    await cancelDraft(ctx.deps, { ...ctx.ref, expectedVersion: 3, reason: '' });
    await recordRunFact(ctx.deps, { workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(started.runId, 'succeeded') });
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!).toMatchObject({ lifecycleState: 'cancelled', version: 4 });
  });

  it('a tenant with an open draft reports canArchive=false and the archive is refused the same way', async () => {
    const ctx = await connectedDraft();
    expect(await getTenant(ctx.deps, WS, ctx.tenant.id)).toMatchObject({ operability: { canArchive: false, canOnboard: true } });
    const archive = { workspaceId: WS, actor: OPERATOR, tenantId: ctx.tenant.id, expectedVersion: 2, reason: '' };
    const refused = await archiveTenant(ctx.deps, archive).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'TENANT.ONBOARDING_IN_PROGRESS', kind: 'already_exists', details: { draftId: ctx.draft.id } });

    await cancelDraft(ctx.deps, { ...ctx.ref, expectedVersion: 2, reason: '' });
    expect(await getTenant(ctx.deps, WS, ctx.tenant.id)).toMatchObject({ operability: { canArchive: true } });
    const archived = await archiveTenant(ctx.deps, archive);
    expect(archived).toMatchObject({ tenant: { status: 'archived' }, operability: { canArchive: false, canRestore: true } });
  });
});
