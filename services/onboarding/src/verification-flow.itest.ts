import { insecureCredentials, loadProto, promiseClient } from '@tenantatlas/grpc';
import { createEvent, createKafka, EventPublisher, topicsFor } from '@tenantatlas/kafka';
import { connectMongo } from '@tenantatlas/store';
import type { ProtoGrpcType as ConnectionsProto } from '@tenantatlas/grpc/proto/connections';
import type { Draft__Output } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/Draft';
import { testInfra, uniqueName, waitFor } from '@tenantatlas/testing';
import pino from 'pino';
import { guid, OPERATOR, rejection, startStack, type OnboardingClient, type Stack } from './testing/harness';

/**
 * The wizard end to end with real processes: onboarding → operations (provider.connection.check
 * run, worker) → connections → provider simulator, and back through Kafka events.
 */
describe('verification flow with the real operations and connections services', () => {
  let stack: Stack;
  let c: OnboardingClient;

  beforeAll(async () => {
    stack = await startStack('flow', { downstream: true });
    c = stack.client;
  });
  afterAll(() => stack?.stop());

  const draftOf = async (workspace: string, id: string) => (await c.GetDraft({ workspace_id: workspace, draft_id: id })).draft!;
  const waitForDraft = (workspace: string, id: string, done: (d: Draft__Output) => boolean, what: string) =>
    waitFor(async () => {
      const d = await draftOf(workspace, id);
      return done(d) ? d : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what });

  /** Identify a tenant the simulator knows and create its connection through onboarding. */
  async function connected(simTenant: Record<string, unknown> = {}) {
    const workspace = uniqueName('ws');
    const ext = guid();
    await stack.simulator!.setTenant({ tenantId: ext, displayName: 'Contoso', ...simTenant });
    const { draft, tenant } = await c.IdentifyTenant({ workspace_id: workspace, actor: OPERATOR, external_tenant_id: ext, name: 'Contoso' });
    const selected = await c.SelectConnection({
      workspace_id: workspace,
      actor: OPERATOR,
      draft_id: draft!.id,
      expected_version: 1,
      new_connection: { display_name: 'Contoso app', client_id: guid(), target_tenant_id: ext, client_secret: 'itest-client-secret-value' },
    });
    expect(selected).toMatchObject({ created: true, draft: { version: 2, current_step: 'verify', lifecycle_state: 'draft', reason_code: 'VERIFICATION_NOT_STARTED' } });
    return { workspace, ext, draftId: draft!.id, tenantId: tenant!.id, connectionId: selected.connection_id };
  }

  const ready = (d: Draft__Output) => d.lifecycle_state === 'ready_for_activation';

  it('runs a draft from identify to completed, moved by the run-completed event', async () => {
    const f = await connected();
    const early = await rejection(c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 }));
    expect(early).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'start_verification' } });

    const started = await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    expect(started).toMatchObject({ deduplicated: false, draft: { version: 3, lifecycle_state: 'verifying', state: { verification_run_id: started.run_id } } });

    // Nobody calls onboarding now: only the operations event moves the draft.
    const verified = await waitForDraft(f.workspace, f.draftId, ready, 'the verification to complete');
    expect(verified).toMatchObject({ version: 3, current_checkpoint: 'complete', last_completed_checkpoint: 'verify_access' });
    const checkpoints = await stack.log.waitFor(`draft/${f.draftId}`, 'draft.checkpoint_completed', 3);
    expect(checkpoints.map((e) => e.data.checkpoint)).toEqual(['identify', 'connect_provider', 'verify_access']);
    // recorded by onboarding itself, from the evidence
    expect(checkpoints[2]!.actor).toEqual({ kind: 'system', component: 'onboarding' });

    const { readiness } = await c.GetReadiness({ workspace_id: f.workspace, draft_id: f.draftId });
    expect(readiness).toMatchObject({
      ready: true,
      from_stored_evidence: false,
      provider: { connection_id: f.connectionId, consent_status: 'granted', verification_status: 'healthy' },
      verification: { status: 'succeeded', run_id: started.run_id, matches_selected_connection: true },
      next_action: { kind: 'complete_onboarding', label: 'Complete onboarding' },
    });

    const done = await c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 3 });
    expect(done.draft).toMatchObject({ lifecycle_state: 'completed', current_step: 'complete', activation_override: null });
    expect(done.tenant).toMatchObject({ id: f.tenantId, status: 'active' });
    await stack.log.waitFor(`tenant/${f.tenantId}`, 'tenant.activated');
    expect(stack.log.of(`tenant/${f.tenantId}`).map((e) => e.type.split('.').pop())).toEqual(['created', 'onboarding_started', 'activated']);
  });

  it('gates bootstrap on a verification and waits for every bootstrap run before completion', async () => {
    const f = await connected();
    const early = await rejection(c.StartBootstrap({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2, types: ['inventory.sync'] }));
    expect(early).toMatchObject({ code: 'DRAFT.VERIFICATION_REQUIRED' });
    await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    const verified = await waitForDraft(f.workspace, f.draftId, ready, 'the verification');
    const boot = await c.StartBootstrap({
      workspace_id: f.workspace,
      actor: OPERATOR,
      draft_id: f.draftId,
      expected_version: verified.version,
      types: ['inventory.sync', 'permissions.refresh'],
    });
    expect(boot.runs.map((r) => r.type)).toEqual(['inventory.sync', 'permissions.refresh']);
    expect(boot.draft).toMatchObject({ current_step: 'bootstrap', state: { bootstrap_types: ['inventory.sync', 'permissions.refresh'] } });
    expect(['bootstrapping', 'ready_for_activation']).toContain(boot.draft!.lifecycle_state);
    const done = await waitForDraft(f.workspace, f.draftId, (d) => d.last_completed_checkpoint === 'bootstrap', 'the bootstrap runs');
    expect(done).toMatchObject({ lifecycle_state: 'ready_for_activation', state: { bootstrap_runs: [{ outcome: 'succeeded' }, { outcome: 'succeeded' }] } });
    await c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: done.version });
  });

  it('shows a deduplicated start while the verification is still running', async () => {
    const f = await connected();
    await stack.simulator!.addFault(f.ext, { kind: 'slow', delayMs: 1_500, times: 1 });
    const first = await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    const second = await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 3 });
    expect(second).toMatchObject({ run_id: first.run_id, deduplicated: true });
    await waitForDraft(f.workspace, f.draftId, ready, 'the slow verification to complete');
  });

  it('says "grant consent" when consent is missing, refuses activation, and allows an override with a reason', async () => {
    const f = await connected({ consentGranted: false });
    await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    const blocked = await waitForDraft(f.workspace, f.draftId, (d) => d.lifecycle_state === 'action_required', 'the verification to fail');
    const { readiness } = await c.GetReadiness({ workspace_id: f.workspace, draft_id: f.draftId });
    expect(readiness).toMatchObject({ ready: false, next_action: { kind: 'grant_consent', label: 'Grant consent' } });
    expect(readiness!.blocker!.operator_summary).not.toBe('');

    const refused = await rejection(c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: blocked.version }));
    expect(refused).toMatchObject({ code: 'DRAFT.NOT_READY', details: { nextAction: 'grant_consent' } });
    const overridden = await c.Activate({
      workspace_id: f.workspace,
      actor: OPERATOR,
      draft_id: f.draftId,
      expected_version: blocked.version,
      override: true,
      override_reason: 'consent is granted out of band by the customer today',
    });
    expect(overridden.draft).toMatchObject({ lifecycle_state: 'completed', activation_override: { overridden_state: 'action_required' } });
  });

  it('treats a connection changed after verification as not ready until verification reruns', async () => {
    const f = await connected();
    await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    await waitForDraft(f.workspace, f.draftId, ready, 'the first verification');

    const { ConnectionsService } = loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
    const connections = promiseClient(new ConnectionsService(stack.addresses.CONNECTIONS_GRPC_ADDR!, insecureCredentials()));
    await connections.UpdateConnection({ workspace_id: f.workspace, actor: OPERATOR, connection_id: f.connectionId, client_id: guid() });
    connections.close();

    const stale = await waitForDraft(f.workspace, f.draftId, (d) => d.reason_code === 'VERIFICATION_STALE', 'the connection event');
    expect(stale).toMatchObject({ lifecycle_state: 'action_required', state: { connection_recently_updated: true } });
    const { readiness } = await c.GetReadiness({ workspace_id: f.workspace, draft_id: f.draftId });
    expect(readiness).toMatchObject({ ready: false, freshness: { connection_recently_updated: true }, next_action: { kind: 'rerun_verification' } });
    expect(await rejection(c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: stale.version }))).toMatchObject({
      code: 'DRAFT.NOT_READY',
      details: { reasonCode: 'VERIFICATION_STALE' },
    });

    await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: stale.version });
    const again = await waitForDraft(f.workspace, f.draftId, ready, 'the rerun');
    expect(again.state!.connection_recently_updated).toBe(false);
    await c.Activate({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: again.version });
  });

  it('ignores replayed and out-of-order run events', async () => {
    const f = await connected();
    const started = await c.StartVerification({ workspace_id: f.workspace, actor: OPERATOR, draft_id: f.draftId, expected_version: 2 });
    const before = await waitForDraft(f.workspace, f.draftId, ready, 'the verification');
    // count only once the relay has published what the verification changed
    await stack.log.waitFor(`draft/${f.draftId}`, 'draft.checkpoint_completed', 3);
    const eventsBefore = stack.log.of(`draft/${f.draftId}`).length;

    // A late "queued" and a "failed" for the same run (a run completes once), then a replay of an id.
    const run = (status: string, outcome: string) =>
      createEvent({
        type: `tenantatlas.operations.run.${status === 'queued' ? 'queued' : 'failed'}` as const,
        subject: `run/${started.run_id}`,
        workspaceId: f.workspace,
        tenantId: f.tenantId,
        actor: { kind: 'system', component: 'operations-worker' },
        data: { runId: started.run_id, runType: 'provider.connection.check', runSubject: f.connectionId, status, outcome, reasonCode: outcome === 'failed' ? 'PROVIDER.UNAVAILABLE' : '' },
      });
    const late = [run('queued', ''), run('completed', 'failed')];
    const kafka = createKafka({ clientId: 'onboarding-itest', brokers: testInfra().kafkaBrokers, logger: pino({ level: 'silent' }) });
    const publisher = new EventPublisher(kafka);
    const topic = topicsFor(stack.env.KAFKA_TOPIC_PREFIX!).operationsEvents;
    await publisher.publish([...late, late[0]!].map((event) => ({ topic, event })));
    await publisher.stop();

    const mongo = await connectMongo(testInfra().mongoUrl, stack.env.MONGO_DB!);
    try {
      const ids = late.map((e) => `onboarding-evidence:${e.id}`);
      await waitFor(async () => (await mongo.collection('processed_events').countDocuments({ _id: { $in: ids } } as never)) === 2, {
        timeoutMs: 60_000,
        what: 'the late events to be handled',
      });
    } finally {
      await mongo.close();
    }
    const after = await draftOf(f.workspace, f.draftId);
    expect(after).toMatchObject({ lifecycle_state: 'ready_for_activation', version: before.version, reason_code: '' });
    expect(stack.log.of(`draft/${f.draftId}`)).toHaveLength(eventsBefore);
  });

  it("selects only a connection of the draft's own tenant: another tenant's, another workspace's and a random id are not found alike", async () => {
    const mine = await connected();
    const neighbour = await connected();
    const { ConnectionsService } = loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
    const connections = promiseClient(new ConnectionsService(stack.addresses.CONNECTIONS_GRPC_ADDR!, insecureCredentials()));
    // a second tenant in mine's workspace with its own connection
    const { tenant: other } = await c.IdentifyTenant({ workspace_id: mine.workspace, actor: OPERATOR, external_tenant_id: guid(), name: 'Other' });
    const { connection: sameWorkspace } = await connections.CreateConnection({
      workspace_id: mine.workspace, actor: OPERATOR, tenant_id: other!.id, display_name: 'Other app', client_id: guid(), target_tenant_id: guid(), client_secret: 'other-secret',
    });
    connections.close();
    const select = (connection_id: string) =>
      rejection(c.SelectConnection({ workspace_id: mine.workspace, actor: OPERATOR, draft_id: mine.draftId, expected_version: 2, connection_id }));
    const answers = await Promise.all([sameWorkspace!.id, neighbour.connectionId, 'no-such-connection'].map(select));
    for (const err of answers) expect({ kind: err.kind, code: err.code, message: err.message }).toEqual({ kind: 'not_found', code: 'CONNECTION.NOT_FOUND', message: answers[2]!.message });
    expect(await draftOf(mine.workspace, mine.draftId)).toMatchObject({ version: 2, state: { selected_connection_id: mine.connectionId } });
  });
});
