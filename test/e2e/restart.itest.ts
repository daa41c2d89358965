/**
 * The whole system stopped and started again on the same data, as an operator's laptop or a
 * cluster does: every process — the services, the provider simulator, Kafka and FerretDB (a
 * broker and a database of this test's own) — first stopped with SIGTERM, later all SIGKILLed at
 * once. Before each stop the workspace holds an active tenant with a verified connection (its
 * secret sealed with the stack's credential key), a draft left at the wizard's step 3, a session
 * and an API token, and runs in flight. After each start, through the gateway: the connection
 * check succeeds (the secret still opens), every run reaches exactly one terminal state with each
 * lifecycle event once on the topic and in audit, the draft resumes at its step, the session and
 * the token still work, and the audit chain verifies. Each step is printed as it happens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DedicatedFerretDB, DedicatedKafkaBroker, REPO_ROOT } from '@tenantatlas/testing';
import { startStack, type Stack } from './system-stack';
import { runLedger, verifyAuditChain } from './restart/checks';
import { buildEstate, CHECK, startRunsInFlight, tellProvider, type Estate, type RunsInFlight } from './restart/estate';
import { checkContractAtEnd } from './contract';
import { ok } from './journeys/operator';
import { Steps } from './restart/steps';

const steps = new Steps('restart');

checkContractAtEnd();

describe('the whole system stopped and started again on the same data', () => {
  const kafka = new DedicatedKafkaBroker();
  const db = new DedicatedFerretDB();
  let stack: Stack;
  let estate: Estate;

  beforeAll(async () => {
    await steps.run('starting a Kafka broker and a FerretDB of the test’s own', () => Promise.all([kafka.start(), db.start()]));
    stack = await steps.run('starting the services and the provider simulator', () =>
      startStack({
        name: 'restart',
        kafkaBrokers: kafka.brokers.join(','),
        mongoUrl: db.url,
        envOf: {
          // two slots, so runs queue behind the long ones; a short lease, so a lost attempt is noticed soon
          operations: { DIAGNOSTIC_RUN_TYPES: 'true', WORKER_CONCURRENCY: '2', LEASE_MS: '6000', REDISPATCH_AFTER_MS: '5000' },
        },
      }),
    );
    estate = await steps.run('wizard to an active tenant with a verified connection, a draft left at step 3, an API token', () => buildEstate(stack));
  }, 300_000);

  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    await Promise.all([kafka.destroy().catch(() => undefined), db.destroy().catch(() => undefined)]);
    fs.rmSync(path.join(REPO_ROOT, '.run', kafka.instance), { recursive: true, force: true });
    steps.log(`finished after ${steps.elapsedSeconds().toFixed(1)} s`);
  }, 120_000);

  /** Everything an operator had before the stop, read back through the gateway after the start. */
  async function expectEverythingBack(label: string, inFlight: RunsInFlight): Promise<void> {
    await steps.run(`${label}: the provider's app registrations told to the restarted simulator`, () => tellProvider(stack, estate.apps));

    const [me, meByToken] = await steps.run(`${label}: the session cookie and the API token`, () =>
      Promise.all([estate.op.api.GET('/api/me'), estate.api.request('GET', '/api/me')]),
    );
    expect([me.response.status, me.data?.user.id]).toEqual([200, estate.userId]);
    expect([meByToken.status, meByToken.json?.user?.id]).toEqual([200, estate.userId]);

    // a write through the session: its CSRF token survived too
    const check = await steps.run(`${label}: a new connection check`, async () => {
      const started = ok(
        await estate.op.api.POST('/api/workspaces/{workspaceId}/connections/{connectionId}/check', { params: estate.op.in({ connectionId: estate.connectionId }) }),
      );
      return estate.op.waitForRun(started.run.id, (r) => r.status === 'completed', 'the connection check to complete', 120_000);
    });
    expect(check.id).not.toBe(estate.verificationRunId);
    expect(check).toMatchObject({ type: CHECK, subject: estate.connectionId });
    // a secret sealed with another key fails as `failed CONNECTION.CREDENTIAL_UNREADABLE`
    expect([check.outcome, check.reason_code]).toEqual(['succeeded', null]);
    const connection = ok(await estate.op.api.GET('/api/workspaces/{workspaceId}/connections/{connectionId}', { params: estate.op.in({ connectionId: estate.connectionId }) }));
    expect(connection.connection).toMatchObject({ verification_status: 'healthy', credential_key_id: 'stack-k1' });

    const ids = [...inFlight.running, ...inFlight.queued];
    const runs = await steps.run(`${label}: the ${ids.length} runs in flight to complete`, () =>
      Promise.all(ids.map((id) => estate.op.waitForRun(id, (r) => r.status === 'completed', `run ${id} to complete`, 120_000))),
    );
    expect(runs.map((r) => [r.id, r.outcome])).toEqual(ids.map((id) => [id, 'succeeded']));
    // the attempt the stop cut short is recorded as lost; the quick runs had not started
    for (const run of runs.filter((r) => inFlight.running.includes(r.id))) expect(run.attempts[0]).toMatchObject({ reason_code: 'RUN.WORKER_LOST' });
    for (const run of runs.filter((r) => inFlight.queued.includes(r.id))) expect(run.attempt_count).toBe(1);

    const [draft, readiness] = await steps.run(`${label}: the open draft`, () => Promise.all([estate.op.draft(estate.draft.id), estate.op.readiness(estate.draft.id)]));
    expect(draft).toMatchObject({ current_step: 'verify', version: estate.draft.version, lifecycle_state: estate.draft.lifecycleState, state: { selected_connection_id: estate.draft.connectionId } });
    expect(readiness.next_action?.kind).toBe('start_verification');

    const ledger = await steps.run(`${label}: every run's lifecycle events on the topic and in audit`, () => runLedger(estate.api, kafka.brokers, stack.prefix));
    steps.log(`${label}: ${ledger.runs} runs, ${ledger.events} lifecycle events`);
    expect(ledger).toMatchObject({ problems: [], missingInAudit: [], duplicatedInAudit: [], unknownInAudit: [] });

    const chain = await steps.run(`${label}: the audit chain's verification`, () => verifyAuditChain(stack.process('audit').address, estate.op.workspaceId));
    expect(chain).toMatchObject({ ok: true, first_bad_seq: '0' });
    expect(Number(chain.records_checked)).toBeGreaterThanOrEqual(ledger.events);
  }

  it('(a) SIGTERM to every process, then everything started again', async () => {
    const inFlight = await steps.run('(a) runs in flight: 2 running, 2 queued', () => startRunsInFlight(estate, 'sigterm'));
    await steps.run('(a) SIGTERM to the services and the simulator', () => stack.halt('SIGTERM'));
    expect(stack.processes().map((p) => [p.name, p.child.exitCode])).toEqual(stack.processes().map((p) => [p.name, 0]));
    await steps.run('(a) SIGTERM to Kafka and FerretDB', () => Promise.all([kafka.stop(), db.stop()]));
    await steps.run('(a) starting Kafka and FerretDB on the same data', () => Promise.all([kafka.start(), db.start()]));
    await steps.run('(a) starting the services and the simulator on the same ports, data and keys', () => stack.resume());
    await expectEverythingBack('(a)', inFlight);
  }, 420_000);

  it('(b) SIGKILL of every process at once, then everything started again', async () => {
    const inFlight = await steps.run('(b) runs in flight: 2 running, 2 queued', () => startRunsInFlight(estate, 'sigkill'));
    await steps.run('(b) SIGKILL to the services, the simulator, Kafka and FerretDB at once', () => Promise.all([stack.halt('SIGKILL'), kafka.kill(), db.kill()]));
    await steps.run('(b) starting Kafka and FerretDB on what the crash left', () => Promise.all([kafka.start(), db.start()]));
    await steps.run('(b) starting the services and the simulator on the same ports, data and keys', () => stack.resume());
    await expectEverythingBack('(b)', inFlight);
  }, 420_000);
});
