import { connectMongo, isDuplicateKeyError } from '@tenantatlas/store';
import { testInfra, uniqueName } from '@tenantatlas/testing';
import { guid, OPERATOR, OTHER_OPERATOR, rejection, startStack, type OnboardingClient, type Stack } from './testing/harness';

/**
 * Drafts and tenants against the real service process, FerretDB and Kafka (no downstream
 * services needed: nothing here starts a run or reads a connection).
 */
describe('onboarding drafts and tenants', () => {
  let stack: Stack;
  let c: OnboardingClient;

  beforeAll(async () => {
    stack = await startStack('drafts');
    c = stack.client;
  });
  afterAll(() => stack?.stop());

  const identify = (workspace: string, ext: string, extra: Record<string, unknown> = {}) =>
    c.IdentifyTenant({ workspace_id: workspace, actor: OPERATOR, external_tenant_id: ext, name: 'Contoso', primary_domain: 'contoso.com', ...extra });

  it('keeps one tenant per workspace and external id: concurrent identifies converge, and the database refuses a duplicate', async () => {
    const workspace = uniqueName('ws');
    const ext = guid();
    const results = await Promise.all(Array.from({ length: 12 }, () => identify(workspace, ext)));
    expect(new Set(results.map((r) => r.tenant!.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.draft!.id)).size).toBe(1);
    expect(results.filter((r) => r.tenant_created)).toHaveLength(1);
    const { tenants } = await c.ListTenants({ workspace_id: workspace });
    expect(tenants.map((t) => [t.external_tenant_id, t.status])).toEqual([[ext, 'draft']]);

    // The rule lives in the database, not in the service's memory: a direct duplicate insert fails.
    const mongo = await connectMongo(testInfra().mongoUrl, stack.env.MONGO_DB!);
    try {
      const duplicate = { _id: guid(), workspaceId: workspace, externalTenantId: ext, name: 'Copy', status: 'draft', version: 1 };
      const err = await mongo.collection('managed_tenants').insertOne(duplicate as never).then(() => undefined, (e: unknown) => e);
      expect(isDuplicateKeyError(err)).toBe(true);
    } finally {
      await mongo.close();
    }

    const elsewhere = await identify(uniqueName('ws'), ext);
    expect(elsewhere.tenant!.id).not.toBe(results[0]!.tenant!.id);
  });

  it('refuses a second open draft for a tenant, even when drafts race to claim it, and writes nothing for the losers', async () => {
    const workspace = uniqueName('ws');
    const ext = guid();
    const drafts = await Promise.all(Array.from({ length: 8 }, () => c.CreateDraft({ workspace_id: workspace, actor: OPERATOR })));
    const settled = await Promise.allSettled(drafts.map((d) => identify(workspace, ext, { draft_id: d.draft!.id, expected_version: 1 })));
    const won = settled.filter((s) => s.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof identify>>>).value.draft!;
    for (const s of settled.filter((x) => x.status === 'rejected')) {
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'TENANT.ONBOARDING_IN_PROGRESS', kind: 'already_exists', details: { draftId: winner.id } });
    }
    const losers = await Promise.all(drafts.filter((d) => d.draft!.id !== winner.id).map((d) => c.GetDraft({ workspace_id: workspace, draft_id: d.draft!.id })));
    expect(losers.map((l) => [l.draft!.version, l.draft!.tenant_id])).toEqual(losers.map(() => [1, '']));
  });

  it('rejects the stale write of a second operator, and of 50 concurrent writes with one version applies exactly one', async () => {
    const workspace = uniqueName('ws');
    const { draft } = await identify(workspace, guid());
    expect(draft!.version).toBe(1);
    const mine = await c.SetCurrentStep({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, step: 'identify' });
    expect(mine.draft).toMatchObject({ version: 2, current_step: 'identify', updated_by: { user_id: 'operator-1' } });
    const stale = await rejection(c.SetCurrentStep({ workspace_id: workspace, actor: OTHER_OPERATOR, draft_id: draft!.id, expected_version: 1, step: 'connect' }));
    expect(stale).toMatchObject({ code: 'DRAFT.VERSION_CONFLICT', kind: 'conflict', details: { currentVersion: 2, expectedVersion: 1 } });

    const steps = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'connect' : 'identify'));
    const settled = await Promise.allSettled(
      steps.map((step, i) => c.SetCurrentStep({ workspace_id: workspace, actor: i % 2 ? OPERATOR : OTHER_OPERATOR, draft_id: draft!.id, expected_version: 2, step })),
    );
    const applied = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.draft!] : []));
    const conflicts = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as { code: string }] : []));
    expect(applied).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect(new Set(conflicts.map((e) => e.code))).toEqual(new Set(['DRAFT.VERSION_CONFLICT']));
    const { draft: after } = await c.GetDraft({ workspace_id: workspace, draft_id: draft!.id });
    expect(after).toMatchObject({ version: 3, current_step: applied[0]!.current_step });
    // exactly the two applied writes were published as step changes
    const changes = await stack.log.waitFor(`draft/${draft!.id}`, 'draft.step_changed', 2);
    expect(changes.map((e) => e.data.version)).toEqual([2, 3]);
  });

  it('keeps completed and cancelled drafts immutable', async () => {
    const workspace = uniqueName('ws');
    const ext = guid();
    const { draft } = await identify(workspace, ext);
    const cancelled = await c.CancelDraft({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, reason: 'wrong tenant' });
    expect(cancelled.draft).toMatchObject({ lifecycle_state: 'cancelled', version: 2, cancel_reason: 'wrong tenant' });
    expect(cancelled.draft!.cancelled_at).not.toBe('');

    const ref = { workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 2 };
    const attempts = [
      c.SetCurrentStep({ ...ref, step: 'identify' }),
      c.IdentifyTenant({ ...ref, external_tenant_id: ext, name: 'Contoso' }),
      c.SelectConnection({ ...ref, connection_id: 'conn-1' }),
      c.StartVerification(ref),
      c.StartBootstrap({ ...ref, types: ['inventory.sync'] }),
      c.Activate({ ...ref, override: true, override_reason: 'force it' }),
      c.CancelDraft(ref),
    ];
    for (const attempt of attempts) expect(await rejection(attempt)).toMatchObject({ code: 'DRAFT.TERMINAL', kind: 'failed_precondition' });
    expect((await c.GetDraft({ workspace_id: workspace, draft_id: draft!.id })).draft!.version).toBe(2);

    // The tenant's open-draft slot is free again: identifying resumes nothing and starts a new draft.
    const again = await identify(workspace, ext);
    expect(again).toMatchObject({ resumed: false, tenant_created: false });
    expect(again.draft!.id).not.toBe(draft!.id);

    // Completed by override, the draft is just as immutable, and the tenant is active.
    const done = await c.Activate({ workspace_id: workspace, actor: OPERATOR, draft_id: again.draft!.id, expected_version: 1, override: true, override_reason: 'legacy tenant, verified by hand' });
    expect(done.draft!.lifecycle_state).toBe('completed');
    expect(await rejection(c.CancelDraft({ workspace_id: workspace, actor: OPERATOR, draft_id: again.draft!.id, expected_version: 2 }))).toMatchObject({ code: 'DRAFT.TERMINAL' });
    expect(await rejection(identify(workspace, ext))).toMatchObject({ code: 'TENANT.ALREADY_ACTIVE', kind: 'already_exists' });
  });

  it('refuses activation until ready; an override needs a reason and is recorded and published', async () => {
    const workspace = uniqueName('ws');
    const { draft, tenant } = await identify(workspace, guid());
    const refused = await rejection(c.Activate({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, override: false }));
    expect(refused).toMatchObject({ code: 'DRAFT.NOT_READY', kind: 'failed_precondition', details: { reasonCode: 'CONNECTION_NOT_SELECTED', nextAction: 'connect_provider' } });
    const noReason = await rejection(c.Activate({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, override: true, override_reason: '  ' }));
    expect(noReason).toMatchObject({ code: 'INPUT.REQUIRED', kind: 'invalid_argument' });
    expect((await c.GetDraft({ workspace_id: workspace, draft_id: draft!.id })).draft).toMatchObject({ version: 1, lifecycle_state: 'draft' });

    const reason = 'customer asked to go live before consent';
    const done = await c.Activate({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, override: true, override_reason: reason });
    expect(done.draft).toMatchObject({
      lifecycle_state: 'completed',
      reason_code: 'ACTIVATION_OVERRIDDEN',
      activation_override: { reason, actor: { user_id: 'operator-1' }, overridden_state: 'draft', overridden_reason_code: 'CONNECTION_NOT_SELECTED' },
    });
    expect(done.tenant).toMatchObject({ status: 'active', version: 2, operability: { can_run_operations: true, can_onboard: false } });
    const [completed] = await stack.log.waitFor(`draft/${draft!.id}`, 'draft.completed');
    expect(completed).toMatchObject({ actor: { kind: 'user', userId: 'operator-1' }, tenantId: tenant!.id, data: { override: true, overrideReason: reason } });
    await stack.log.waitFor(`tenant/${tenant!.id}`, 'tenant.activated');
  });

  it('publishes every transition through the outbox, with actor and before/after', async () => {
    const workspace = uniqueName('ws');
    const created = await c.CreateDraft({ workspace_id: workspace, actor: OPERATOR });
    const id = created.draft!.id;
    const { tenant } = await identify(workspace, guid(), { draft_id: id, expected_version: 1 });
    await c.CancelDraft({ workspace_id: workspace, actor: OTHER_OPERATOR, draft_id: id, expected_version: 2 });
    const [cancelled] = await stack.log.waitFor(`draft/${id}`, 'draft.cancelled');
    expect(stack.log.of(`draft/${id}`).map((e) => e.type.replace('tenantatlas.onboarding.', ''))).toEqual([
      'draft.created',
      'draft.tenant_identified',
      'draft.checkpoint_completed',
      'draft.cancelled',
    ]);
    expect(cancelled).toMatchObject({ source: '/tenantatlas/onboarding', workspaceId: workspace, tenantId: tenant!.id, actor: { userId: 'operator-2' } });
    expect(cancelled!.data).toMatchObject({ before: { lifecycleState: 'draft', version: 2 }, after: { lifecycleState: 'cancelled', version: 3 } });
    await stack.log.waitFor(`tenant/${tenant!.id}`, 'tenant.created');
  });

  it('archives and restores a tenant with optimistic locking and operability rules', async () => {
    const workspace = uniqueName('ws');
    const { draft, tenant } = await identify(workspace, guid());
    // what the tenant reports and what the archive action does agree: an open draft holds it
    expect(tenant!.operability).toMatchObject({ can_archive: false, can_onboard: true });
    const listed = async () => (await c.ListTenants({ workspace_id: workspace })).tenants.find((t) => t.id === tenant!.id)!;
    expect((await listed()).operability).toMatchObject({ can_archive: false });
    expect((await c.GetTenant({ workspace_id: workspace, tenant_id: tenant!.id })).tenant!.operability).toMatchObject({ can_archive: false });
    const busy = await rejection(c.ArchiveTenant({ workspace_id: workspace, actor: OPERATOR, tenant_id: tenant!.id, expected_version: 1 }));
    expect(busy).toMatchObject({ code: 'TENANT.ONBOARDING_IN_PROGRESS', kind: 'already_exists', details: { draftId: draft!.id } });
    await c.CancelDraft({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1 });
    expect((await c.GetTenant({ workspace_id: workspace, tenant_id: tenant!.id })).tenant!.operability).toMatchObject({ can_archive: true });
    expect((await listed()).operability).toMatchObject({ can_archive: true });
    const archived = await c.ArchiveTenant({ workspace_id: workspace, actor: OPERATOR, tenant_id: tenant!.id, expected_version: 1, reason: 'lost the contract' });
    expect(archived.tenant).toMatchObject({ status: 'archived', version: 2, operability: { can_restore: true, can_onboard: false, can_archive: false } });
    expect(await rejection(c.RestoreTenant({ workspace_id: workspace, actor: OPERATOR, tenant_id: tenant!.id, expected_version: 1 }))).toMatchObject({ code: 'TENANT.VERSION_CONFLICT' });
    expect(await rejection(identify(workspace, tenant!.external_tenant_id))).toMatchObject({ code: 'TENANT.ARCHIVED' });
    const restored = await c.RestoreTenant({ workspace_id: workspace, actor: OPERATOR, tenant_id: tenant!.id, expected_version: 2 });
    expect(restored.tenant).toMatchObject({ status: 'draft', version: 3 });
    await stack.log.waitFor(`tenant/${tenant!.id}`, 'tenant.restored');
  });

  it('answers bad input with INVALID_ARGUMENT and another workspace’s draft with NOT_FOUND', async () => {
    const workspace = uniqueName('ws');
    expect(await rejection(identify(workspace, 'not a tenant id!'))).toMatchObject({ code: 'INPUT.INVALID', kind: 'invalid_argument', details: { field: 'external_tenant_id' } });
    expect(await rejection(c.CreateDraft({ workspace_id: workspace }))).toMatchObject({ kind: 'invalid_argument', details: { field: 'actor' } });
    const { draft } = await identify(workspace, guid());
    expect(await rejection(c.GetDraft({ workspace_id: uniqueName('ws'), draft_id: draft!.id }))).toMatchObject({ code: 'DRAFT.NOT_FOUND', kind: 'not_found' });
    const noVersion = await rejection(c.SetCurrentStep({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, step: 'identify' }));
    expect(noVersion).toMatchObject({ kind: 'invalid_argument', details: { field: 'expected_version' } });
    const tooFar = await rejection(c.SetCurrentStep({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: 1, step: 'complete' }));
    expect(tooFar).toMatchObject({ code: 'DRAFT.STEP_NOT_REACHABLE', details: { maxStep: 'connect' } });
    const picker = await c.ListDrafts({ workspace_id: workspace });
    expect(picker.drafts.map((d) => [d.draft!.id, d.readiness!.stage_label, d.readiness!.next_action!.kind])).toEqual([[draft!.id, 'Connect provider', 'connect_provider']]);
    const forged = await rejection(c.ListDrafts({ workspace_id: workspace, page: { page_size: 10, page_token: 'not-a-token' } }));
    expect(forged).toMatchObject({ code: 'PAGE.INVALID_TOKEN', kind: 'invalid_argument', details: { field: 'page.page_token' } });
  });
  it('lists each draft at its current revision, even when a head\'s revision hint fell behind, and leaves terminal drafts out unless asked', async () => {
    const workspace = uniqueName('ws');
    const { draft: busy } = await identify(workspace, guid());
    const { draft: cancelled } = await identify(workspace, guid());
    const { draft: quiet } = await identify(workspace, guid());
    let version = busy!.version;
    for (const step of ['identify', 'connect', 'identify', 'connect', 'identify']) {
      version = (await c.SetCurrentStep({ workspace_id: workspace, actor: OPERATOR, draft_id: busy!.id, expected_version: version, step })).draft!.version;
    }
    await c.CancelDraft({ workspace_id: workspace, actor: OPERATOR, draft_id: cancelled!.id, expected_version: cancelled!.version, reason: 'duplicate' });
    const mongo = await connectMongo(testInfra().mongoUrl, stack.env.MONGO_DB!);
    try {
      // as if the hint writes after the appends were lost
      await mongo.collection('onboarding_drafts').updateOne({ _id: busy!.id as never }, { $set: { latestRevision: 1 } });
    } finally {
      await mongo.close();
    }
    const open = await c.ListDrafts({ workspace_id: workspace });
    expect(open.drafts.map((d) => [d.draft!.id, d.draft!.version, d.draft!.current_step])).toEqual(
      expect.arrayContaining([
        [busy!.id, version, 'identify'],
        [quiet!.id, quiet!.version, quiet!.current_step],
      ]),
    );
    expect(open.drafts).toHaveLength(2);
    const all = await c.ListDrafts({ workspace_id: workspace, include_terminal: true });
    expect(all.drafts.find((d) => d.draft!.id === cancelled!.id)?.draft).toMatchObject({ lifecycle_state: 'cancelled' });
    const onlyCancelled = await c.ListDrafts({ workspace_id: workspace, lifecycle_state: 'cancelled' });
    expect(onlyCancelled.drafts.map((d) => d.draft!.id)).toEqual([cancelled!.id]);
  });
});
