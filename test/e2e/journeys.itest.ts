/**
 * Whole-system journeys: Kafka, FerretDB, the provider simulator, every service as its own process
 * and two worker-only operations replicas (the operations API process executes nothing), driven
 * only through the gateway's public HTTP API. The simulator's control API only arranges how the
 * provider behaves. Each case checks what an operator would look at: readiness, runs and their
 * attempts, the audit log.
 */
import { randomUUID } from 'node:crypto';
import builtDocument from '@tenantatlas/api-client/openapi.json';
import { waitFor } from '@tenantatlas/testing';
import { LifecycleLog, lifecycleTopics } from './journeys/lifecycle-log';
import { checkContractAtEnd } from './contract';
import { ms, ok, Operator, refusal, type Run } from './journeys/operator';
import { startStack, type Stack } from './system-stack';

const CONTOSO = '11111111-1111-4111-8111-111111111111'; // simulator demo tenant: healthy
const NO_CONSENT = '22222222-2222-4222-8222-222222222222'; // simulator demo tenant: consent not granted
const BOOTSTRAP_TYPES = ['inventory.sync', 'permissions.refresh'];
const CHECK = 'provider.connection.check';
const TERMINAL_VERBS = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

checkContractAtEnd();

describe('whole-system journeys through the gateway (2 worker replicas)', () => {
  let stack: Stack;
  let op: Operator;

  /** Provider requests the simulator saw for one of its tenants. */
  const providerRequests = async (externalTenantId: string) =>
    ((await stack.simulator.control('GET', `/requests?tenantId=${externalTenantId}`)) as { requests: { path: string; status: number; fault?: string }[] }).requests;

  /** A managed tenant (identified through a draft) with `count` connections to one simulator tenant. */
  async function tenantWithConnections(name: string, count: number) {
    const ext = randomUUID();
    const { tenantId } = await op.identify(ext, name);
    // the first one becomes the default; the others can be created side by side
    const first = await op.createConnection(tenantId, ext, `${name} app 0`);
    const rest = await Promise.all(range(count - 1).map((i) => op.createConnection(tenantId, ext, `${name} app ${i + 1}`)));
    return { ext, tenantId, connectionIds: [first, ...rest] };
  }

  /**
   * Starts one check per connection, all at once, the way a careful client does: with an
   * idempotency key, so that a start answered 503 (the gateway's 10 s deadline passed while the
   * operations service was busy) can be sent again without starting a second run.
   */
  const startChecks = (tenantId: string, connectionIds: string[]) =>
    Promise.all(
      connectionIds.map(async (subject) => {
        const body = { tenant_id: tenantId, type: CHECK, subject, idempotency_key: `journey:${subject}` };
        for (let attempt = 1; ; attempt++) {
          const res = await op.api.POST('/api/workspaces/{workspaceId}/runs', { params: op.in(), body });
          if (res.response.status === 503 && res.error?.code === 'DOWNSTREAM.UNAVAILABLE' && attempt < 3) continue;
          return ok(res);
        }
      }),
    );

  beforeAll(async () => {
    const options = { name: 'jrn', workerReplicas: 2, operationsRole: 'api' } as const;
    try {
      stack = await startStack(options);
    } catch (err) {
      // Seen on this shared machine: a service process that never becomes healthy within 60 s while
      // the whole stack starts at once (see the report). One fresh stack (new databases and topic
      // prefix) is tried before giving up, so that the journeys still get to run.
      console.warn(`the stack did not start, trying once more: ${String(err).slice(0, 500)}`);
      stack = await startStack(options);
    }
    op = await Operator.signIn(stack.gatewayUrl, stack.admin.email, stack.admin.password);
  }, 170_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const tenantOf = async (tenantId: string) => ok(await op.api.GET('/api/workspaces/{workspaceId}/tenants/{tenantId}', { params: op.in({ tenantId }) })).tenant;
  const verify = async (draftId: string, expectedVersion: number) =>
    ok(await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/verification', { params: op.in({ draftId }), body: { expected_version: expectedVersion } }));

  it('onboards a healthy tenant: identify → connect → verify → bootstrap → activate; the completed draft is immutable', async () => {
    const { draftId, tenantId, draft, tenant } = await op.identify(CONTOSO, 'Contoso');
    expect(tenant).toMatchObject({ external_tenant_id: CONTOSO, status: 'draft' });
    expect(draft).toMatchObject({ tenant_id: tenantId, lifecycle_state: 'draft', reason_code: 'CONNECTION_NOT_SELECTED' });
    expect((await op.readiness(draftId)).next_action?.kind).toBe('connect_provider');

    const secret = `contoso-secret-${randomUUID()}`;
    const selected = ok(
      await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/connection', {
        params: op.in({ draftId }),
        body: {
          expected_version: draft.version,
          new_connection: { display_name: 'Contoso app', client_id: randomUUID(), target_tenant_id: CONTOSO, client_secret: secret },
        },
      }),
    );
    expect(selected).toMatchObject({ created: true, is_default: true, draft: { reason_code: 'VERIFICATION_NOT_STARTED' } });
    const connectionId = selected.connection_id;
    const connection = await op.api.GET('/api/workspaces/{workspaceId}/connections/{connectionId}', { params: op.in({ connectionId }) });
    expect(ok(connection).connection).toMatchObject({ id: connectionId, tenant_id: tenantId, target_tenant_id: CONTOSO });
    expect(JSON.stringify(connection.data)).not.toContain(secret);
    expect((await tenantOf(tenantId)).status).toBe('onboarding');
    expect((await op.readiness(draftId)).next_action?.kind).toBe('start_verification');

    const verification = await verify(draftId, selected.draft.version);
    expect(verification).toMatchObject({ deduplicated: false, draft: { lifecycle_state: 'verifying' } });
    const verified = await op.waitForReadiness(
      draftId,
      (r) => r.verification?.status === 'succeeded' && r.provider?.verification_status === 'healthy',
      'the readiness to say verified',
    );
    expect(verified).toMatchObject({
      ready: true,
      provider: { connection_id: connectionId, consent_status: 'granted', verification_status: 'healthy' },
      verification: { run_id: verification.run_id, matches_selected_connection: true, is_active: false },
      next_action: { kind: 'complete_onboarding' },
    });
    expect(await op.run(verification.run_id)).toMatchObject({ type: CHECK, subject: connectionId, status: 'completed', outcome: 'succeeded' });

    const boot = ok(
      await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/bootstrap', {
        params: op.in({ draftId }),
        body: { expected_version: verification.draft.version, types: BOOTSTRAP_TYPES },
      }),
    );
    expect(boot.runs.map((r) => r.type)).toEqual(BOOTSTRAP_TYPES);
    const bootstrapped = await op.waitForReadiness(draftId, (r) => r.ready && r.last_completed_checkpoint === 'bootstrap', 'the bootstrap runs to complete');
    expect(bootstrapped.bootstrap).toEqual(BOOTSTRAP_TYPES.map((type) => expect.objectContaining({ type, status: 'completed', outcome: 'succeeded' })));
    expect(bootstrapped.next_action?.kind).toBe('complete_onboarding');
    const bootRuns = await Promise.all(boot.runs.map((r) => op.run(r.run_id)));
    for (const run of bootRuns) expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded', subject: connectionId, tenant_id: tenantId });
    // the simulator's demo tenant has 5 users and 3 groups
    expect(bootRuns.find((r) => r.type === 'inventory.sync')!.summary_counts).toMatchObject({ users: 5, groups: 3 });

    const activated = ok(
      await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/activate', { params: op.in({ draftId }), body: { expected_version: boot.draft.version } }),
    );
    expect(activated.draft).toMatchObject({ id: draftId, lifecycle_state: 'completed', current_step: 'complete' });
    expect(activated.draft.activation_override ?? null).toBeNull();
    expect(activated.tenant).toMatchObject({ id: tenantId, status: 'active' });
    expect(await tenantOf(tenantId)).toMatchObject({ status: 'active', operability: { can_run_operations: true } });
    expect(await op.draft(draftId)).toMatchObject({ lifecycle_state: 'completed', version: activated.draft.version });
    expect((await op.readiness(draftId)).next_action?.kind).toBe('none');

    // completed is terminal: every further mutation is refused and changes nothing
    const version = activated.draft.version;
    const params = op.in({ draftId });
    const refusals = {
      step: refusal(await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/step', { params, body: { expected_version: version, step: 'verify' } })),
      verification: refusal(await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/verification', { params, body: { expected_version: version } })),
      cancel: refusal(await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/cancel', { params, body: { expected_version: version, reason: 'too late' } })),
    };
    expect(refusals).toEqual({ step: [422, 'DRAFT.TERMINAL'], verification: [422, 'DRAFT.TERMINAL'], cancel: [422, 'DRAFT.TERMINAL'] });
    expect(await op.draft(draftId)).toMatchObject({ lifecycle_state: 'completed', version });
    // the open-drafts picker no longer lists it
    const open = ok(await op.api.GET('/api/workspaces/{workspaceId}/drafts', { params: { ...op.in(), query: { tenantId } } }));
    expect(open.drafts.map((d) => d.draft.id)).not.toContain(draftId);
  });

  it('blocks verification when consent is missing ("grant consent"), and passes once consent is granted', async () => {
    const { draftId, draft } = await op.identify(NO_CONSENT, 'Fabrikam');
    const selected = ok(
      await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/connection', {
        params: op.in({ draftId }),
        body: {
          expected_version: draft.version,
          new_connection: { display_name: 'Fabrikam app', client_id: randomUUID(), target_tenant_id: NO_CONSENT, client_secret: 'fabrikam-secret' },
        },
      }),
    );
    const first = await verify(draftId, selected.draft.version);
    const blocked = await op.waitForReadiness(draftId, (r) => r.verification?.run_id === first.run_id && Boolean(r.verification.outcome), 'the verification to end');
    expect(blocked).toMatchObject({
      ready: false,
      lifecycle_state: 'action_required',
      provider: { consent_status: 'required', verification_status: 'blocked' },
      verification: { run_id: first.run_id, outcome: 'failed', reason_code: 'PROVIDER.CONSENT_MISSING', is_active: false, matches_selected_connection: true },
      blocker: { reason_code: 'CONSENT_MISSING', blocking_reason_code: 'PROVIDER.CONSENT_MISSING' },
      next_action: { kind: 'grant_consent', label: 'Grant consent' },
    });
    expect(blocked.blocker?.operator_summary).toMatch(/consent/i);
    // a permanent failure: not retried
    const run = await op.run(first.run_id);
    expect(run).toMatchObject({ outcome: 'failed', reason_code: 'PROVIDER.CONSENT_MISSING', attempt_count: 1 });
    expect(run.attempts[0]).toMatchObject({ result: 'failed', error_class: 'permanent', reason_code: 'PROVIDER.CONSENT_MISSING' });
    // the stored draft follows once onboarding has consumed the run and connection events
    const current = await waitFor(
      async () => {
        const d = await op.draft(draftId);
        return d.reason_code === 'CONSENT_MISSING' ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'the draft to record the missing consent' },
    );
    expect(current).toMatchObject({ lifecycle_state: 'action_required', blocking_reason_code: 'PROVIDER.CONSENT_MISSING' });
    // Nobody changed the connection after this verification started, so it must not turn "stale"
    // once the connection's events (verified, consent_changed) are handled. Watched for a few
    // seconds (the window is what is asserted); checked at the end so the fix path runs either way.
    const turnedStale = await waitFor(
      async () => {
        const r = await op.readiness(draftId);
        return r.verification?.status !== 'failed' || r.freshness?.connection_recently_updated ? r : undefined;
      },
      { timeoutMs: 4_000, intervalMs: 400, what: 'the verification to turn stale' },
    ).catch(() => null);
    const refused = await op.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/activate', { params: op.in({ draftId }), body: { expected_version: current.version } });
    expect(refusal(refused)).toEqual([422, 'DRAFT.NOT_READY']);

    // The admin grants consent at the provider. (The gateway has no consent route: the connection
    // learns about it from its next check.)
    const served = (await (await fetch(`${stack.gatewayUrl}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(served.paths).filter((p) => /consent/i.test(p))).toEqual([]);
    // the document the typed client and the contract check were built from is the one served
    expect(served).toEqual(builtDocument);
    await stack.simulator.control('PUT', `/tenants/${NO_CONSENT}`, { consentGranted: true });

    const rerun = await verify(draftId, current.version);
    expect(rerun).toMatchObject({ deduplicated: false });
    expect(rerun.run_id).not.toBe(first.run_id);
    const healthy = await op.waitForReadiness(
      draftId,
      (r) => r.verification?.run_id === rerun.run_id && r.verification.status === 'succeeded' && r.provider?.verification_status === 'healthy',
      'the rerun verification to pass',
    );
    expect(healthy).toMatchObject({
      ready: true,
      lifecycle_state: 'ready_for_activation',
      provider: { consent_status: 'granted' },
      blocker: { reason_code: null, blocking_reason_code: null },
      next_action: { kind: 'complete_onboarding' },
    });
    expect(await op.run(rerun.run_id)).toMatchObject({ outcome: 'succeeded', attempt_count: 1 });

    // The verification that found the missing consent is the current one: it failed, it is not stale.
    const seen = turnedStale ?? blocked;
    expect({ status: seen.verification?.status, connection_recently_updated: seen.freshness?.connection_recently_updated }).toEqual({
      status: 'failed',
      connection_recently_updated: false,
    });
  });

  it('rides out a 429 storm: 20 runs started at once all succeed, each retry no earlier than Retry-After', async () => {
    const RUNS = 20;
    const RETRY_AFTER_S = 2;
    const { ext, tenantId, connectionIds } = await tenantWithConnections('Throttled', RUNS);
    // the provider answers the first 20 sign-ins with 429 + Retry-After: 2
    await stack.simulator.control('POST', `/tenants/${ext}/faults`, { kind: 'throttle', endpoint: 'token', times: RUNS, retryAfterSeconds: RETRY_AFTER_S });
    try {
      const started = await startChecks(tenantId, connectionIds);
      // one run per connection; a start that had to be sent again may meet its own first try
      expect(started.map((s) => s.run.subject).sort()).toEqual([...connectionIds].sort());
      expect(new Set(started.map((s) => s.run.id)).size).toBe(RUNS);
      expect(started.filter((s) => s.deduplicated && s.run.idempotency_key !== `journey:${s.run.subject}`)).toEqual([]);

      const runs = await op.waitForTenantRuns(tenantId, RUNS, 'the 20 throttled runs to complete', 90_000);
      const throttled = runs.flatMap((run) => run.attempts.filter((a) => a.reason_code === 'PROVIDER.THROTTLED'));
      for (const run of runs) {
        expect([run.id, run.outcome]).toEqual([run.id, 'succeeded']);
        const attempts = [...run.attempts].sort((a, b) => a.number - b.number);
        expect(attempts.at(-1)).toMatchObject({ result: 'succeeded' });
        // Which run meets which 429 depends on timing (a retry can come due before another run's
        // first call), so a run may have been throttled more than once, or not at all.
        for (const [i, attempt] of attempts.slice(0, -1).entries()) {
          expect(attempt).toMatchObject({ result: 'retry_scheduled', error_class: 'retryable', reason_code: 'PROVIDER.THROTTLED', retry_after_ms: RETRY_AFTER_S * 1000 });
          const gap = ms(attempts[i + 1]!.started_at) - ms(attempt.ended_at);
          expect([run.id, attempt.number, gap >= attempt.retry_after_ms]).toEqual([run.id, attempt.number, true]);
        }
      }
      // every 429 cost exactly one attempt (no call was retried inside an attempt, none got lost),
      // and it hit most of the runs started together
      expect(throttled).toHaveLength(RUNS);
      expect(runs.filter((run) => run.attempts.some((a) => a.reason_code === 'PROVIDER.THROTTLED')).length).toBeGreaterThanOrEqual(RUNS / 2);
      expect((await providerRequests(ext)).filter((r) => r.status === 429)).toHaveLength(RUNS);
    } finally {
      await stack.simulator.control('DELETE', `/tenants/${ext}/faults`);
    }
  });

  it('bulk-retries permanently failed runs once the provider is fixed', async () => {
    const { ext, tenantId, connectionIds } = await tenantWithConnections('Forbidden', 3);
    await stack.simulator.control('POST', `/tenants/${ext}/faults`, { kind: 'forbidden', endpoint: 'graph' });
    const started = await startChecks(tenantId, connectionIds);
    const failed = await op.waitForTenantRuns(tenantId, 3, 'the runs to fail');
    for (const run of failed) {
      expect(run).toMatchObject({ outcome: 'failed', reason_code: 'PROVIDER.PERMISSION_MISSING', attempt_count: 1 });
      expect(run.attempts[0]).toMatchObject({ result: 'failed', error_class: 'permanent' });
    }
    const failedIds = started.map((s) => s.run.id).sort();
    expect(failed.map((r) => r.id).sort()).toEqual(failedIds);

    await stack.simulator.control('DELETE', `/tenants/${ext}/faults`);
    const retryFailed = async () => ok(await op.api.POST('/api/workspaces/{workspaceId}/runs/retry-failed', { params: op.in(), body: { tenant_id: tenantId } }));
    const { retried } = await retryFailed();
    expect(retried.map((r: { failed_run_id: string }) => r.failed_run_id).sort()).toEqual(failedIds);
    const originals = new Map(failed.map((r) => [r.id, r]));
    for (const r of retried) {
      const original = originals.get(r.failed_run_id)!;
      expect(r.deduplicated).toBe(false);
      expect(r.run).toMatchObject({ rerun_of: r.failed_run_id, type: CHECK, subject: original.subject, tenant_id: tenantId });
      expect(r.run?.id).not.toBe(r.failed_run_id);
    }

    const all = await op.waitForTenantRuns(tenantId, 6, 'the reruns to complete');
    const reruns = all.filter((r) => r.rerun_of);
    expect(reruns.map((r) => r.rerun_of).sort()).toEqual(failedIds);
    for (const run of reruns) expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    // the history stays: the failed runs are still failed, and asking again retries nothing new
    for (const id of failedIds) expect((await op.run(id)).outcome).toBe('failed');
    const again = await retryFailed();
    const ids = (list: typeof retried) => list.map((r) => `${r.failed_run_id}→${r.run?.id}`).sort();
    expect(ids(again.retried)).toEqual(ids(retried));
    expect(await op.runs({ tenantId })).toHaveLength(6);
  });

  it('cancels a run that waits for its retry; no attempt follows the cancel', async () => {
    const { ext, tenantId, connectionIds } = await tenantWithConnections('Cancelled', 1);
    await stack.simulator.control('POST', `/tenants/${ext}/faults`, { kind: 'throttle', endpoint: 'token', retryAfterSeconds: 6 });
    try {
      const { run } = (await startChecks(tenantId, connectionIds))[0]!;
      const waiting = await op.waitForRun(
        run.id,
        (r) => r.status === 'queued' && r.attempts.length === 1 && r.attempts[0]!.result === 'retry_scheduled',
        'the run to wait for its retry',
      );
      expect(waiting.attempts[0]).toMatchObject({ reason_code: 'PROVIDER.THROTTLED', retry_after_ms: 6000 });
      const dueAt = ms(waiting.next_attempt_at);
      expect(dueAt - ms(waiting.attempts[0]!.ended_at)).toBeGreaterThanOrEqual(6000);
      const callsBefore = (await providerRequests(ext)).length;

      const cancel = () => op.api.POST('/api/workspaces/{workspaceId}/runs/{runId}/cancel', { params: op.in({ runId: run.id }) });
      const { run: cancelled } = ok(await cancel());
      expect(cancelled).toMatchObject({ status: 'completed', outcome: 'cancelled', reason_code: 'RUN.CANCELLED', attempt_count: 1 });
      expect(Date.now()).toBeLessThan(dueAt); // the cancel came while the run was waiting

      // The gap is what is asserted: past the time the retry was due (plus a few sweeps), nothing ran.
      await sleep(dueAt - Date.now() + 2_500);
      const after = await op.run(run.id);
      expect(after).toMatchObject({ status: 'completed', outcome: 'cancelled', attempt_count: 1 });
      expect(after.attempts).toHaveLength(1);
      expect(after.attempts[0]!.result).toBe('retry_scheduled');
      expect((await providerRequests(ext)).length).toBe(callsBefore);
      // cancelling again returns the cancelled run; a rerun would be a new run, not this one
      const twice = await cancel();
      expect([twice.response.status, twice.data?.run.outcome]).toEqual([200, 'cancelled']);
    } finally {
      await stack.simulator.control('DELETE', `/tenants/${ext}/faults`);
    }
  });

  it('ran the work on both worker replicas (none on the API process), never two overlapping attempts of one run', async () => {
    // Run requests are keyed by tenant, so a tenant's runs go to the worker that owns its partition
    // (3 partitions, 2 workers). Should the tenants so far all have landed on one worker, a few more
    // tenants each get a noop run.
    const workersOf = (list: Run[]) => new Set(list.flatMap((r) => r.attempts.map((a) => a.worker)));
    let runs = await op.runs();
    for (let extra = 0; workersOf(runs).size < 2 && extra < 16; extra++) {
      const { tenantId } = await op.identify(randomUUID(), `Spread ${extra}`);
      const { run } = ok(await op.api.POST('/api/workspaces/{workspaceId}/runs', { params: op.in(), body: { tenant_id: tenantId, type: 'diagnostics.noop' } }));
      await op.waitForRun(run.id, (r) => r.status === 'completed', 'the noop run');
      runs = await op.runs();
    }
    expect(runs.length).toBeGreaterThan(25);
    expect(runs.filter((r) => r.status !== 'completed').map((r) => r.id)).toEqual([]);
    const attempts = runs.flatMap((r) => r.attempts);
    const perWorker = new Map<string, number>();
    for (const { worker } of attempts) perWorker.set(worker ?? '', (perWorker.get(worker ?? '') ?? 0) + 1);
    expect([...perWorker.keys()].sort()).toEqual([`${stack.prefix}-worker-1`, `${stack.prefix}-worker-2`]);
    for (const count of perWorker.values()) expect(count).toBeGreaterThan(0);

    for (const run of runs) {
      const sorted = [...run.attempts].sort((a, b) => a.number - b.number);
      expect([run.id, sorted.map((a) => a.number)]).toEqual([run.id, range(run.attempt_count).map((i) => i + 1)]);
      for (const [i, attempt] of sorted.entries()) {
        expect([run.id, attempt.number, Boolean(attempt.ended_at)]).toEqual([run.id, attempt.number, true]);
        expect(ms(attempt.ended_at)).toBeGreaterThanOrEqual(ms(attempt.started_at));
        const next = sorted[i + 1];
        if (next) expect([run.id, attempt.number, ms(next.started_at) >= ms(attempt.ended_at)]).toEqual([run.id, attempt.number, true]);
      }
    }
  });

  it('audit holds every lifecycle event exactly once, with its actor, and each run\'s events in order', async () => {
    // Every run is completed (see above), but relays publish after the commit: read until each
    // run's terminal event has arrived, and up to the end offsets of that moment.
    const runs = await op.runs();
    const log = await new LifecycleLog(lifecycleTopics(stack.prefix)).start();
    try {
      await waitFor(
        () => runs.every((run) => log.events.some((e) => e.subject === `run/${run.id}` && e.type === `tenantatlas.operations.run.${run.outcome}`)),
        { timeoutMs: 60_000, intervalMs: 200, what: "every run's terminal event on Kafka" },
      );
      await log.catchUp();
    } finally {
      await log.stop();
    }
    const events = [...log.events];
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(byId.size).toBeGreaterThan(100);
    expect([...new Set(events.map((e) => e.workspaceId))]).toEqual([op.workspaceId]);

    // ingest is asynchronous: wait (through the export) until audit has caught up
    await waitFor(
      async () => {
        const recorded = new Set((await op.auditExport()).map((r) => r.event_id as string));
        return [...byId.keys()].every((id) => recorded.has(id));
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'audit to record every lifecycle event' },
    );

    const records = await op.auditPages();
    const count = new Map<string, number>();
    for (const r of records) count.set(r.event_id, (count.get(r.event_id) ?? 0) + 1);
    expect([...count].filter(([, n]) => n > 1)).toEqual([]);
    expect([...byId.keys()].filter((id) => !count.has(id))).toEqual([]);
    // one gap-free chain, newest first
    expect(records.map((r) => Number(r.seq))).toEqual(range(records.length).map((i) => records.length - i));
    // the NDJSON export (taken later, so it may hold newer records too) has the same records, once each
    const exported = await op.auditExport();
    const exportedIds = exported.map((r) => r.event_id as string);
    expect(exportedIds.length).toBe(new Set(exportedIds).size);
    expect(records.map((r) => r.event_id).filter((id) => !exportedIds.includes(id))).toEqual([]);

    const recordOf = new Map(records.map((r) => [r.event_id as string, r]));
    const mismatches: unknown[] = [];
    for (const e of byId.values()) {
      const r = recordOf.get(e.id)!;
      const actor = e.actor.kind === 'user' ? { actor_kind: 'user', id: e.actor.userId } : { actor_kind: 'system', id: e.actor.component };
      const seen = { actor_kind: r.actor_kind, id: r.actor_kind === 'user' ? r.actor?.user_id : r.actor?.component };
      if (r.type !== e.type || `${r.subject_type}/${r.subject_id}` !== e.subject || JSON.stringify(seen) !== JSON.stringify(actor) || !actor.id) {
        mismatches.push({ id: e.id, type: e.type, subject: e.subject, expected: actor, recorded: { type: r.type, subject: `${r.subject_type}/${r.subject_id}`, ...seen } });
      }
    }
    expect(mismatches).toEqual([]);
    // what the operator did is attributed to them
    const queuedByOperator = records.filter((r) => r.action === 'run.queued');
    expect(queuedByOperator.length).toBeGreaterThan(25);
    for (const r of queuedByOperator) expect(r.actor).toMatchObject({ user_id: op.userId });

    // each run's events: queued first, then per attempt started → retry_scheduled | terminal; terminal last
    const rank = (action: string) => {
      const verb = action.replace(/^run\./, '');
      return verb === 'queued' ? 0 : verb === 'started' ? 1 : verb === 'retry_scheduled' ? 2 : TERMINAL_VERBS.includes(verb) ? 3 : NaN;
    };
    const disorder: unknown[] = [];
    for (const run of runs) {
      const trail = records.filter((r) => r.subject_type === 'run' && r.subject_id === run.id).sort((a, b) => Number(a.seq) - Number(b.seq));
      const actions = trail.map((r) => r.action as string);
      // The order of the changes is their occurred time: a run's events come from the API process
      // (queued, cancelled) and a worker (the rest), whose relays publish independently.
      const byTime = [...trail].sort((a, b) => ms(a.occurred_at) - ms(b.occurred_at) || Number(a.seq) - Number(b.seq));
      const keys = byTime.map((r) => [Number(JSON.parse(r.details?.attempt ?? 'NaN')), rank(r.action ?? '')] as const);
      const ordered = keys.every(([attempt, rk], i) => {
        if (Number.isNaN(attempt) || Number.isNaN(rk)) return false;
        if (i === 0) return rk === 0;
        const [pa, pr] = keys[i - 1]!;
        return attempt > pa || (attempt === pa && rk > pr);
      });
      const complete =
        actions.filter((a) => a === 'run.queued').length === 1 &&
        actions.filter((a) => a === 'run.started').length === run.attempts.length &&
        actions.at(-1) === `run.${run.outcome}` &&
        actions.filter((a) => rank(a) === 3).length === 1;
      // audit keeps the order Kafka delivered (same partition per tenant)
      const kafkaOrder = events
        .filter((e) => e.subject === `run/${run.id}`)
        .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
        .map((e) => e.id)
        .filter((id, i, all) => all.indexOf(id) === i);
      const sameAsKafka = JSON.stringify(kafkaOrder) === JSON.stringify(trail.map((r) => r.event_id));
      if (!ordered || !complete || !sameAsKafka) {
        const published = (id: string) => new Date(byId.get(id)?.publishedAt ?? 0).toISOString();
        disorder.push({
          run: run.id,
          outcome: run.outcome,
          attempts: run.attempts.map((a) => `${a.number}:${a.result}@${a.worker} ${a.started_at}..${a.ended_at}`),
          trail: trail.map((r) => `seq ${r.seq} ${r.action} attempt=${r.details?.attempt} occurred=${r.occurred_at} published=${published(r.event_id)} by=${r.actor_kind === 'user' ? 'user' : r.actor?.component}`),
          ordered,
          complete,
          sameAsKafka,
        });
      }
    }
    expect(disorder).toEqual([]);
  });
});
