import type { DomainError } from '@tenantatlas/core';
import type { ServiceProcess, TenantOwner } from '@tenantatlas/testing';
import { EventLog, isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-retries';
const env = isolatedEnv('retries');
const completed = (run: { status: string }) => run.status === 'completed';

describe('operations: retries, Retry-After, timeouts, cancel, rerun', () => {
  let service: ServiceProcess;
  let client: OperationsClient;
  let owner: TenantOwner;
  const log = new EventLog(env);
  /** a tenant of WS per name a test uses, created in onboarding on first use */
  const tenants = new Map<string, Promise<string>>();
  const tenant = (name: string) => tenants.get(name) ?? tenants.set(name, owner.create(WS, name)).get(name)!;

  beforeAll(async () => {
    const withTenants = await startTenants(env);
    owner = withTenants.owner;
    service = await startOperations(withTenants.env);
    client = operationsClient(service.address);
    await log.start();
  });
  afterAll(async () => {
    client.close();
    await log.stop();
    await service.stop('SIGKILL');
    await owner?.stop();
  });

  const start = async (name: string, context: Record<string, string>) =>
    client.StartRun({ workspace_id: WS, actor: USER, tenant_id: await tenant(name), type: 'diagnostics.scripted', context });

  it('retries a throttled attempt no earlier than its Retry-After and then succeeds', async () => {
    const { run } = await start('t-throttled', { script: 'retry:PROVIDER.THROTTLED:1500,ok' });
    const done = await waitForRun(client, WS, run!.id, completed);
    expect(done).toMatchObject({ outcome: 'succeeded', attempt_count: 2 });
    const [first, second] = done.attempts;
    expect(first).toMatchObject({ result: 'retry_scheduled', error_class: 'retryable', reason_code: 'PROVIDER.THROTTLED', retry_after_ms: 1500 });
    expect(Date.parse(second!.started_at) - Date.parse(first!.ended_at)).toBeGreaterThanOrEqual(1500);

    await log.waitForVerb(run!.id, 'succeeded');
    expect(log.verbs(run!.id)).toEqual(['queued', 'started', 'retry_scheduled', 'started', 'succeeded']);
    const retry = log.events.find((e) => e.subject === `run/${run!.id}` && e.type.endsWith('.retry_scheduled'))!;
    expect(retry).toMatchObject({ tenantId: await tenant('t-throttled'), actor: { kind: 'system' }, data: { reasonCode: 'PROVIDER.THROTTLED', retryAfterMs: 1500, attempt: 1 } });
    expect(Date.parse(retry.data.nextAttemptAt as string) - Date.parse(first!.ended_at)).toBeGreaterThanOrEqual(1500);
  });

  it('does not retry a permanent failure', async () => {
    const { run } = await start('t-permanent', { script: 'fail:PROVIDER.CONSENT_MISSING,ok' });
    const done = await waitForRun(client, WS, run!.id, completed);
    expect(done).toMatchObject({ outcome: 'failed', reason_code: 'PROVIDER.CONSENT_MISSING', attempt_count: 1 });
    await log.waitForVerb(run!.id, 'failed');
    expect(log.verbs(run!.id)).toEqual(['queued', 'started', 'failed']);
    // the task board finds it by its reason code, and by nothing else of the workspace's runs
    const byReason = await client.ListRuns({ workspace_id: WS, reason_code: 'PROVIDER.CONSENT_MISSING' });
    expect(byReason.runs.map((r) => r.id)).toEqual([run!.id]);
  });

  it('fails with the last reason code once max attempts are used up', async () => {
    const { run } = await start('t-exhausted', { script: 'retry:PROVIDER.UNAVAILABLE', max_attempts: '3' });
    const done = await waitForRun(client, WS, run!.id, completed);
    expect(done).toMatchObject({ outcome: 'failed', reason_code: 'PROVIDER.UNAVAILABLE', attempt_count: 3, max_attempts: 3 });
    expect(done.message).toContain('gave up after 3 attempts');
    expect(done.attempts.map((a) => a.result)).toEqual(['retry_scheduled', 'retry_scheduled', 'failed']);
    // exponential backoff: the second wait is longer than the base delay of the first
    const gap = (i: number) => Date.parse(done.attempts[i + 1]!.started_at) - Date.parse(done.attempts[i]!.ended_at);
    expect(gap(1)).toBeGreaterThanOrEqual(200);
  });

  it('abandons an attempt that runs into the timeout and counts it as retryable', async () => {
    const { run } = await start('t-timeout', { script: 'timeout,ok', timeout_ms: '300' });
    const done = await waitForRun(client, WS, run!.id, completed);
    expect(done).toMatchObject({ outcome: 'succeeded', attempt_count: 2 });
    expect(done.attempts[0]).toMatchObject({ error_class: 'timeout', reason_code: 'RUN.TIMEOUT' });
  });

  it('cancels a running run once: the result of its attempt is discarded and no retry follows', async () => {
    const { run } = await start('t-cancel', { script: 'sleep:3000+ok' });
    await waitForRun(client, WS, run!.id, (r) => r.status === 'running');
    const cancelled = await client.CancelRun({ workspace_id: WS, actor: USER, run_id: run!.id });
    expect(cancelled.run).toMatchObject({ status: 'completed', outcome: 'cancelled', reason_code: 'RUN.CANCELLED' });
    const again = await client.CancelRun({ workspace_id: WS, actor: USER, run_id: run!.id });
    expect(again.run?.completed_at).toBe(cancelled.run?.completed_at);

    // the attempt finishes its 3 s sleep after the cancel; its success must not overwrite it
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const final = await client.GetRun({ workspace_id: WS, run_id: run!.id });
    expect(final.run).toMatchObject({ outcome: 'cancelled', attempt_count: 1 });
    expect(final.run?.attempts[0]).toMatchObject({ result: 'cancelled' });
    expect(log.verbs(run!.id)).toEqual(['queued', 'started', 'cancelled']);
    const cancelledEvent = await log.waitForVerb(run!.id, 'cancelled');
    expect(cancelledEvent.actor).toEqual({ kind: 'user', userId: 'user-1', displayName: 'Ada' });

    const succeeded = (await start('t-done', { script: 'ok' })).run!;
    await waitForRun(client, WS, succeeded.id, completed);
    const tooLate = await client.CancelRun({ workspace_id: WS, actor: USER, run_id: succeeded.id }).catch((e: DomainError) => e);
    expect(tooLate).toMatchObject({ kind: 'failed_precondition', code: 'RUN.ALREADY_COMPLETED' });
  });

  it('reruns a failed run, and bulk-retries failed runs once each', async () => {
    const failed = await Promise.all(['t-bulk-1', 't-bulk-2'].map((t) => start(t, { script: 'fail:PROVIDER.TENANT_NOT_FOUND' })));
    await Promise.all(failed.map((f) => waitForRun(client, WS, f.run!.id, completed)));

    const rerun = await client.RerunRun({ workspace_id: WS, actor: USER, run_id: failed[0]!.run!.id });
    expect(rerun).toMatchObject({ deduplicated: false, run: { rerun_of: failed[0]!.run!.id, tenant_id: await tenant('t-bulk-1'), status: 'queued' } });
    // the audit trail tells a rerun from a fresh start
    expect((await log.waitForVerb(rerun.run!.id, 'queued')).data).toMatchObject({ rerunOf: failed[0]!.run!.id });
    expect((await log.waitForVerb(failed[0]!.run!.id, 'queued')).data).toMatchObject({ rerunOf: null });

    const bulk = await client.RetryFailedRuns({ workspace_id: WS, actor: USER, tenant_id: await tenant('t-bulk-2') });
    expect(bulk.retried.map((r) => r.failed_run_id)).toEqual([failed[1]!.run!.id]);
    const replay = await client.RetryFailedRuns({ workspace_id: WS, actor: USER, tenant_id: await tenant('t-bulk-2') });
    expect(replay.retried.map((r) => r.run?.id)).toContain(bulk.retried[0]!.run!.id);

    const slow = (await start('t-slow', { script: 'sleep:5000+ok' })).run!;
    const active = await client.RerunRun({ workspace_id: WS, actor: USER, run_id: slow.id }).catch((e: DomainError) => e);
    expect(active).toMatchObject({ kind: 'failed_precondition', code: 'RUN.NOT_COMPLETED' });
    await client.CancelRun({ workspace_id: WS, actor: USER, run_id: slow.id });
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
