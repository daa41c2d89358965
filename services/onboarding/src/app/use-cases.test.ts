import type { Actor } from '@tenantatlas/core';
import { memoryDeps } from '../testing/memory';
import { ActivateTenantUseCase } from './activate-tenant.use-case';
import { ArchiveTenantUseCase } from './archive-tenant.use-case';
import { CancelDraftUseCase } from './cancel-draft.use-case';
import { GetReadinessUseCase } from './get-readiness.use-case';
import { GetTenantUseCase } from './get-tenant.use-case';
import { IdentifyTenantUseCase } from './identify-tenant.use-case';
import { RecordConnectionFactUseCase } from './record-connection-fact.use-case';
import { RecordRunFactUseCase } from './record-run-fact.use-case';
import { SelectConnectionUseCase } from './select-connection.use-case';
import { StartVerificationUseCase } from './start-verification.use-case';

const OPERATOR: Actor = { kind: 'user', userId: 'op-1' };
const WS = 'ws-1';
const EXT = '0f9e3a7c-1111-4222-8333-444455556666';

/** A draft identified, with a new connection selected (version 2). */
async function connectedDraft() {
  const deps = memoryDeps();
  const { draft, tenant } = await new IdentifyTenantUseCase(deps).execute({ workspaceId: WS, actor: OPERATOR, draftId: '', expectedVersion: 0, externalTenantId: EXT, name: 'Contoso', primaryDomain: '' });
  const selected = await new SelectConnectionUseCase(deps).execute({
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
  const started = await new StartVerificationUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 2 });
  ctx.deps.connections.set(ctx.connectionId, { verificationStatus: status, consentStatus: 'granted' });
  await new RecordRunFactUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(started.run.runId, outcome) });
  return { ...ctx, runId: started.run.runId };
}

describe('use cases against in-memory ports', () => {
  it('identify creates the tenant once and resumes its open draft', async () => {
    const deps = memoryDeps();
    const cmd = { workspaceId: WS, actor: OPERATOR, draftId: '', expectedVersion: 0, externalTenantId: EXT.toUpperCase(), name: 'Contoso', primaryDomain: 'Contoso.com' };
    const first = await new IdentifyTenantUseCase(deps).execute(cmd);
    const second = await new IdentifyTenantUseCase(deps).execute(cmd);
    expect(first).toMatchObject({ resumed: false, tenantCreated: true, tenant: { externalTenantId: EXT, primaryDomain: 'contoso.com' } });
    expect(second).toMatchObject({ resumed: true, tenantCreated: false, draft: { id: first.draft.id } });
  });

  it('a run-completed fact moves the checkpoint; a replay changes nothing', async () => {
    const ctx = await verifiedDraft();
    const draft = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    expect(draft).toMatchObject({ lifecycleState: 'ready_for_activation', lastCompletedCheckpoint: 'verify_access', version: 3 });
    const events = ctx.deps.drafts.events.length;
    await new RecordRunFactUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.runs.get(ctx.runId)! });
    expect(ctx.deps.drafts.events).toHaveLength(events);
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!.revision).toBe(draft.revision);
  });

  it('a stale retry of StartVerification is a conflict and starts no second run', async () => {
    const ctx = await connectedDraft();
    const first = await new StartVerificationUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 2 });
    const retry = await new StartVerificationUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 2 }).catch((e: unknown) => e);
    expect(retry).toMatchObject({ code: 'DRAFT.VERSION_CONFLICT' });
    expect(ctx.deps.operations.runs.size).toBe(1);
    expect(first.deduplicated).toBe(false);
  });

  it('a connection change after verification makes the draft stale until it reruns', async () => {
    const ctx = await verifiedDraft();
    ctx.deps.connections.set(ctx.connectionId, { verificationStale: true });
    await new RecordConnectionFactUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id, connectionId: ctx.connectionId, invalidatedAt: new Date(Date.now() + 1_000) });
    const stale = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    expect(stale).toMatchObject({ lifecycleState: 'action_required', reasonCode: 'VERIFICATION_STALE', version: 3 });
    const refused = await new ActivateTenantUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'rerun_verification' } });
  });

  it('activation reads backend truth: a degraded connection or an unreachable service refuses it', async () => {
    const degraded = await verifiedDraft('succeeded', 'degraded');
    const a = await new ActivateTenantUseCase(degraded.deps).execute({ ...degraded.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(a).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'review_permissions' } });

    const ok = await verifiedDraft();
    // the connection is no longer healthy right now (a newer check is pending)
    ok.deps.connections.set(ok.connectionId, { verificationStatus: 'pending' });
    const b = await new ActivateTenantUseCase(ok.deps).execute({ ...ok.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(b).toMatchObject({ code: 'DRAFT.NOT_READY', details: { reasonCode: 'CONNECTION_NOT_HEALTHY' } });

    const down = await verifiedDraft();
    down.deps.connections.getConnection = async () => {
      throw new Error('connections unavailable');
    };
    const c = await new ActivateTenantUseCase(down.deps).execute({ ...down.ref, expectedVersion: 3, override: false, overrideReason: '' }).catch((e: unknown) => e);
    expect(c).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE', kind: 'unavailable' });
    const readiness = await new GetReadinessUseCase(down.deps).execute({ workspaceId: WS, draftId: down.draft.id });
    expect(readiness.readiness).toMatchObject({ fromStoredEvidence: true });
  });

  it('activation completes the draft and activates the tenant when ready', async () => {
    const ctx = await verifiedDraft();
    const result = await new ActivateTenantUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 3, override: false, overrideReason: '' });
    expect(result.draft).toMatchObject({ lifecycleState: 'completed', version: 4, activationOverride: null });
    expect(result.tenant).toMatchObject({ tenant: { status: 'active' }, operability: { canArchive: true, canRunOperations: true } });
    const types = ctx.deps.tenants.events.map((e) => e.type);
    expect(types).toEqual(['tenantatlas.onboarding.tenant.created', 'tenantatlas.onboarding.tenant.onboarding_started', 'tenantatlas.onboarding.tenant.activated']);
  });

  it("a run on the selected connection is kept before the draft names it; the tenant's other runs are not the draft's evidence", async () => {
    const ctx = await connectedDraft();
    const record = new RecordRunFactUseCase(ctx.deps);
    const before = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    const elsewhere = await ctx.deps.operations.startRun({ workspaceId: WS, tenantId: ctx.tenant.id, type: 'diagnostics.noop', subject: '', actor: OPERATOR });
    const otherConnection = await ctx.deps.operations.startRun({ workspaceId: WS, tenantId: ctx.tenant.id, type: 'provider.connection.check', subject: 'c-other', actor: OPERATOR });
    expect(await record.execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(elsewhere.run.runId, 'succeeded') })).toBe(0);
    expect(await record.execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(otherConnection.run.runId, 'failed') })).toBe(0);
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!).toEqual(before);

    // its verification's events may come before the start's answer is written into the draft
    const early = await ctx.deps.operations.startRun({ workspaceId: WS, tenantId: ctx.tenant.id, type: 'provider.connection.check', subject: ctx.connectionId, actor: OPERATOR });
    expect(await record.execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: early.run })).toBe(1);
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!.evidence.runs.map((r) => r.runId)).toEqual([early.run.runId]);
  });

  it("once verified, the tenant's runs on any connection are evidence: a bootstrap start can be handed one", async () => {
    const ctx = await verifiedDraft();
    const record = new RecordRunFactUseCase(ctx.deps);
    // bootstrap types are deduplicated per tenant and type: the start may get this run of another connection
    const active = await ctx.deps.operations.startRun({ workspaceId: WS, tenantId: ctx.tenant.id, type: 'permissions.refresh', subject: 'c-other', actor: OPERATOR });
    expect(await record.execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(active.run.runId, 'succeeded') })).toBe(1);
    const draft = (await ctx.deps.drafts.get(WS, ctx.draft.id))!;
    expect(draft.evidence.runs.find((r) => r.runId === active.run.runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('evidence never touches a terminal draft', async () => {
    const ctx = await connectedDraft();
    const started = await new StartVerificationUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 2 });
    await new CancelDraftUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 3, reason: '' });
    await new RecordRunFactUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id, run: ctx.deps.operations.complete(started.run.runId, 'succeeded') });
    expect((await ctx.deps.drafts.get(WS, ctx.draft.id))!).toMatchObject({ lifecycleState: 'cancelled', version: 4 });
  });

  it('a tenant with an open draft reports canArchive=false and the archive is refused the same way', async () => {
    const ctx = await connectedDraft();
    expect(await new GetTenantUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id })).toMatchObject({ operability: { canArchive: false, canOnboard: true } });
    const archive = { workspaceId: WS, actor: OPERATOR, tenantId: ctx.tenant.id, expectedVersion: 2, reason: '' };
    const refused = await new ArchiveTenantUseCase(ctx.deps).execute(archive).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'TENANT.ONBOARDING_IN_PROGRESS', kind: 'already_exists', details: { draftId: ctx.draft.id } });

    await new CancelDraftUseCase(ctx.deps).execute({ ...ctx.ref, expectedVersion: 2, reason: '' });
    expect(await new GetTenantUseCase(ctx.deps).execute({ workspaceId: WS, tenantId: ctx.tenant.id })).toMatchObject({ operability: { canArchive: true } });
    const archived = await new ArchiveTenantUseCase(ctx.deps).execute(archive);
    expect(archived).toMatchObject({ tenant: { status: 'archived' }, operability: { canArchive: false, canRestore: true } });
    // a second operator who read the same version is told it is stale, like every stale mutation
    const stale = await new ArchiveTenantUseCase(ctx.deps).execute(archive).catch((e: unknown) => e);
    expect(stale).toMatchObject({ code: 'TENANT.VERSION_CONFLICT', kind: 'conflict', details: { currentVersion: 3, expectedVersion: 2 } });
  });
});
