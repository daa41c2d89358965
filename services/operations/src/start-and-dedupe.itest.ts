import { randomUUID } from 'node:crypto';
import type { DomainError } from '@tenantatlas/core';
import { connectMongo, packText, unpackText } from '@tenantatlas/store';
import { waitFor, type ServiceProcess, type TenantOwner } from '@tenantatlas/testing';
import { runListModel, runModel, runSlotClaimModel, runTransitionModel, sealedRunListModel } from './adapters/mongo/run.schema';
import { SCRIPTED_RUN_TYPE } from './domain/catalog';
import { activeSlot, CLAIM_VACANT_AFTER_MS } from './domain/run-type';
import { EventLog, isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-dedupe';
const env = isolatedEnv('dedupe');

describe('operations: start, dedupe across replicas, idempotency, errors', () => {
  let owner: TenantOwner;
  let replicas: ServiceProcess[] = [];
  let clients: OperationsClient[] = [];
  const log = new EventLog(env);
  /** tenants of WS by the name a test gives them, created in onboarding */
  const t: Record<string, string> = {};

  beforeAll(async () => {
    const tenants = await startTenants(env);
    owner = tenants.owner;
    const names = ['a', 'b', 'c', 'd', 'e', ...Array.from({ length: 24 }, (_, i) => `spread-${i}`)];
    await Promise.all(names.map(async (name) => (t[name] = await owner.create(WS, name))));
    replicas = await Promise.all([startOperations(tenants.env), startOperations(tenants.env)]);
    clients = replicas.map((replica) => operationsClient(replica.address));
    await log.start();
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await log.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await owner?.stop();
  });

  it('turns 200 concurrent starts on two replicas into exactly one run', async () => {
    // The run outlives the burst by far: a start answered after it completed would rightly make a
    // new run, and on a loaded machine the admission checks of 200 starts can take seconds.
    const request = { workspace_id: WS, actor: USER, tenant_id: t.a!, type: 'diagnostics.scripted', subject: 'conn-1', context: { script: 'sleep:15000+ok' } };
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => clients[i % 2]!.StartRun(request)));

    const ids = new Set(responses.map((r) => r.run?.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(responses.filter((r) => r.deduplicated)).toHaveLength(199);

    const runId = [...ids][0]!;
    const run = await waitForRun(clients[0]!, WS, runId, (r) => r.status === 'completed');
    expect(run).toMatchObject({ outcome: 'succeeded', attempt_count: 1, tenant_id: t.a, subject: 'conn-1' });
    await log.waitForVerb(runId, 'succeeded');
    expect(log.verbs(runId)).toEqual(['queued', 'started', 'succeeded']);

    // the slot is free again: a new start creates a new run
    const next = await clients[1]!.StartRun(request);
    expect(next).toMatchObject({ deduplicated: false, replayed: false });
    expect(next.run?.id).not.toBe(runId);
  });

  it('lets exactly one of 100 concurrent cancels on two replicas change a running run', async () => {
    const { run } = await clients[0]!.StartRun({ workspace_id: WS, actor: USER, tenant_id: t.c!, type: 'diagnostics.scripted', subject: 'cancel-race', context: { script: 'sleep:15000+ok' } });
    const runId = run!.id;
    await waitForRun(clients[0]!, WS, runId, (r) => r.status === 'running');

    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => clients[i % 2]!.CancelRun({ workspace_id: WS, actor: USER, run_id: runId })));
    // every caller sees the one cancellation that was committed
    expect(new Set(answers.map((a) => a.run?.completed_at)).size).toBe(1);
    expect(answers.every((a) => a.run?.outcome === 'cancelled' && a.run.status === 'completed')).toBe(true);

    // each version of the run was committed once, and exactly one of them cancelled it
    const db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
    try {
      const versions = (await runTransitionModel(db).find({ runId }, { version: 1, set: 1 }).lean()).map((t) => ({ version: t.version, status: t.set.find((s) => s.path === 'status')?.value }));
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(versions.map((_, i) => i));
      expect(versions.filter((v) => v.status === 'completed')).toHaveLength(1);
      console.log(`cancel race: 100 cancels, ${versions.length} versions committed (claim, renewals, 1 cancellation)`);
    } finally {
      await db.close();
    }
    await log.waitForVerb(runId, 'cancelled');
    expect(log.verbs(runId)).toEqual(['queued', 'started', 'cancelled']);
    for (const client of clients) expect((await client.GetRun({ workspace_id: WS, run_id: runId })).run).toMatchObject({ outcome: 'cancelled', attempt_count: 1 });
  });

  it('keeps runs of other subjects, tenants and workspaces apart', async () => {
    const base = { workspace_id: WS, actor: USER, tenant_id: t.b!, type: 'diagnostics.noop', subject: 'conn-1' };
    const otherWorkspace = { ...base, workspace_id: 'ws-other', tenant_id: await owner.create('ws-other') };
    const variants = [base, { ...base, subject: 'conn-2' }, { ...base, tenant_id: t.c! }, otherWorkspace];
    const responses = await Promise.all(variants.map((request, i) => clients[i % 2]!.StartRun(request)));
    expect(new Set(responses.map((r) => r.run?.id)).size).toBe(4);
    expect(responses.every((r) => !r.deduplicated)).toBe(true);
  });

  it('returns the same run for the same idempotency key, even after it completed', async () => {
    const request = { workspace_id: WS, actor: USER, tenant_id: t.d!, type: 'diagnostics.noop', idempotency_key: 'click-42' };
    const [first, ...again] = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!.StartRun(request)));
    expect(again.every((r) => r.run?.id === first!.run?.id)).toBe(true);
    await waitForRun(clients[0]!, WS, first!.run!.id, (r) => r.status === 'completed');

    const replay = await clients[1]!.StartRun(request);
    expect(replay).toMatchObject({ replayed: true, deduplicated: false, run: { id: first!.run!.id, status: 'completed', idempotency_key: 'click-42' } });

    const reused = await clients[0]!.StartRun({ ...request, subject: 'something-else' }).catch((err: DomainError) => err);
    expect(reused).toMatchObject({ kind: 'invalid_argument', code: 'RUN.IDEMPOTENCY_KEY_REUSED' });
  });

  it('takes over a dedupe key whose start stopped between claiming it and storing its run', async () => {
    // what a start leaves when its process dies right after claiming the key: a claim, no run
    const db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
    const stalledRunId = randomUUID();
    // the new run outlives the burst: a start answered after it completed would rightly make another
    const request = { workspace_id: WS, actor: USER, tenant_id: t.e!, type: 'diagnostics.scripted', subject: 'stalled', context: { script: 'sleep:15000+ok' } };
    const slot = activeSlot(SCRIPTED_RUN_TYPE, { workspaceId: WS, tenantId: t.e!, subject: request.subject });
    try {
      const at = new Date(Date.now() - CLAIM_VACANT_AFTER_MS - 1_000);
      await runSlotClaimModel(db).create({ _id: `${slot}:1`, entityId: slot, workspaceId: WS, revision: 1, body: { runId: stalledRunId, at } });

      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 2]!.StartRun(request)));
      const ids = new Set(responses.map((r) => r.run?.id));
      expect(ids.size).toBe(1);
      const runId = [...ids][0]!;
      expect(runId).not.toBe(stalledRunId);
      expect(responses.filter((r) => !r.deduplicated)).toHaveLength(1);

      // the stalled start can no longer store its run, and no read shows one under that id
      expect(await runModel(db).findById(stalledRunId).lean()).toMatchObject({ abandoned: true });
      const missing = await clients[0]!.GetRun({ workspace_id: WS, run_id: stalledRunId }).catch((err: DomainError) => err);
      expect(missing).toMatchObject({ code: 'RUN.NOT_FOUND' });
      // the run that took the key over is executed
      await waitForRun(clients[0]!, WS, runId, (r) => r.status === 'running');
      await clients[1]!.CancelRun({ workspace_id: WS, actor: USER, run_id: runId });
    } finally {
      await db.close();
    }
  });

  it('spreads the work of many tenants over both worker replicas, each run executed once', async () => {
    const started = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        clients[i % 2]!.StartRun({ workspace_id: WS, actor: USER, tenant_id: t[`spread-${i}`]!, type: 'diagnostics.scripted', context: { script: 'sleep:200+ok' } }),
      ),
    );
    const ids = new Set(started.map((r) => r.run!.id));
    const runs = await waitFor(
      async () => {
        const page = await clients[0]!.ListRuns({ workspace_id: WS, type: 'diagnostics.scripted', status: 'completed', page: { page_size: 200 } });
        const mine = page.runs.filter((run) => ids.has(run.id));
        return mine.length === ids.size ? mine : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'all 24 runs to complete' },
    );
    expect(runs.every((run) => run.outcome === 'succeeded' && run.attempts.length === 1)).toBe(true);
    expect(new Set(runs.map((run) => run.attempts[0]!.worker)).size).toBe(2);
  });

  it('answers client mistakes with INVALID_ARGUMENT / NOT_FOUND and a stable code', async () => {
    const client = clients[0]!;
    const good = { workspace_id: WS, actor: USER, tenant_id: t.e!, type: 'diagnostics.noop' };
    const failures = await Promise.all([
      client.StartRun({ ...good, type: 'no.such.type' }),
      client.StartRun({ ...good, tenant_id: '' }),
      client.StartRun({ ...good, workspace_id: '' }),
      client.StartRun({ ...good, actor: {} }),
      client.StartRun({ ...good, type: 'provider.connection.check' }),
      client.StartRun({ ...good, context: { secret_sauce: 'x' } }),
      client.StartRun({ ...good, type: 'diagnostics.scripted', context: { script: 'explode' } }),
      client.StartRun({ ...good, tenant_id: 'a|b' }),
      client.ListRuns({ workspace_id: WS, page: { page_token: 'garbage', page_size: 5 } }),
      client.ListRuns({ workspace_id: WS, status: 'sleeping' }),
      client.GetRun({ workspace_id: WS, run_id: 'missing' }),
    ].map((call) => (call as Promise<unknown>).then(() => 'no error', (err: DomainError) => `${err.kind} ${err.code}`)));
    expect(failures).toEqual([
      'invalid_argument RUN.UNKNOWN_TYPE',
      'invalid_argument RUN.TENANT_REQUIRED',
      'invalid_argument RUN.WORKSPACE_REQUIRED',
      'invalid_argument RUN.ACTOR_REQUIRED',
      'invalid_argument RUN.SUBJECT_REQUIRED',
      'invalid_argument RUN.CONTEXT_KEY_NOT_ALLOWED',
      'invalid_argument RUN.CONTEXT_INVALID',
      'invalid_argument RUN.INVALID_ID',
      'invalid_argument RUN.INVALID_PAGE_TOKEN',
      'invalid_argument RUN.INVALID_FILTER',
      'not_found RUN.NOT_FOUND',
    ]);
    // a run of another workspace does not exist for this one
    const { run } = await client.StartRun(good);
    const foreign = await client.GetRun({ workspace_id: 'ws-intruder', run_id: run!.id }).catch((err: DomainError) => err);
    expect(foreign).toMatchObject({ kind: 'not_found', code: 'RUN.NOT_FOUND' });
  });

  it('lists runs newest first with cursor pagination and filters', async () => {
    const ws = 'ws-list';
    const listTenants = [await owner.create(ws), await owner.create(ws)];
    for (let i = 0; i < 5; i++) {
      await clients[0]!.StartRun({ workspace_id: ws, actor: USER, tenant_id: listTenants[i % 2]!, type: 'diagnostics.noop', subject: `s-${i}` });
    }
    const seen: string[] = [];
    let token = '';
    do {
      const page = await clients[1]!.ListRuns({ workspace_id: ws, page: { page_size: 2, page_token: token } });
      expect(page.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.runs.map((r) => r.subject));
      token = page.next_page_token;
    } while (token);
    expect(seen).toEqual(['s-4', 's-3', 's-2', 's-1', 's-0']);
    const tenant0 = await clients[1]!.ListRuns({ workspace_id: ws, tenant_id: listTenants[0]! });
    expect(tenant0.runs.map((r) => r.subject)).toEqual(['s-4', 's-2', 's-0']);
  });

  it('lists every run of concurrent starts on both replicas once, and skips a listed run that was never stored', async () => {
    const ws = 'ws-list-burst';
    const tenant = await owner.create(ws);
    // what a start leaves when it stops after listing its run and before storing it
    const db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
    try {
      await runListModel(db).create({ _id: `${ws}:1`, entityId: ws, workspaceId: ws, revision: 1, body: { runIds: [randomUUID()] } });
    } finally {
      await db.close();
    }
    const started = await Promise.all(
      Array.from({ length: 30 }, (_, i) => clients[i % 2]!.StartRun({ workspace_id: ws, actor: USER, tenant_id: tenant, type: 'diagnostics.noop', subject: `burst-${i}` })),
    );
    const seen: string[] = [];
    let token = '';
    do {
      const page = await clients[seen.length % 2]!.ListRuns({ workspace_id: ws, page: { page_size: 7, page_token: token } });
      expect(page.runs.length).toBeLessThanOrEqual(7);
      seen.push(...page.runs.map((r) => r.id));
      token = page.next_page_token;
    } while (token);
    expect(seen).toHaveLength(30);
    expect(new Set(seen)).toEqual(new Set(started.map((r) => r.run!.id)));
  });

  it('keeps the runs of a list revision together once they all completed, and pages read them from there', async () => {
    const ws = 'ws-list-seal';
    const tenant = await owner.create(ws);
    // revision 1 names an id whose start gave it up: a position that holds no run, sealed or not
    const givenUp = randomUUID();
    const db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
    try {
      await runModel(db).collection.insertOne({ _id: givenUp as never, abandoned: true, version: 0 });
      await runListModel(db).create({ _id: `${ws}:1`, entityId: ws, workspaceId: ws, revision: 1, body: { runIds: [givenUp] } });
      const started: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { run } = await clients[i % 2]!.StartRun({ workspace_id: ws, actor: USER, tenant_id: tenant, type: 'diagnostics.noop', subject: `seal-${i}` });
        started.push(run!.id);
      }
      await Promise.all(started.map((id) => waitForRun(clients[0]!, ws, id, (run) => run.status === 'completed')));
      const walk = async () => {
        const pages: { subjects: string[]; token: string }[] = [];
        let token = '';
        do {
          const page = await clients[pages.length % 2]!.ListRuns({ workspace_id: ws, page: { page_size: 4, page_token: token } });
          token = page.next_page_token;
          pages.push({ subjects: page.runs.map((run) => run.subject), token });
        } while (token);
        return pages;
      };
      const open = await walk();
      expect(open.flatMap((page) => page.subjects)).toEqual(['seal-5', 'seal-4', 'seal-3', 'seal-2', 'seal-1', 'seal-0']);

      // the reads sealed every revision of the list (the given-up one too), after answering
      const seals = sealedRunListModel(db);
      const revisions = (await runListModel(db).find({ entityId: ws }, { revision: 1 }).lean()).map((doc) => doc.revision);
      expect(revisions).toContain(1);
      await waitFor(async () => (await Promise.all(revisions.map((n) => seals.findById(`${ws}:${n}`).lean()))).every(Boolean), { what: 'sealed revisions' });

      // the same pages and tokens, sealed: a token issued before the seal goes on where it did
      expect(await walk()).toEqual(open);
      const second = await clients[1]!.ListRuns({ workspace_id: ws, page: { page_size: 4, page_token: open[0]!.token } });
      expect(second.runs.map((run) => run.subject)).toEqual(open[1]!.subjects);

      // and they come from the seal: an edit of a sealed run shows in the list (not in the run)
      const newest = Math.max(...revisions);
      const sealed = await unpackText((await seals.findById(`${ws}:${newest}`).lean())!.packed);
      await seals.updateOne({ _id: `${ws}:${newest}` }, { $set: { packed: await packText(sealed.replace('"seal-5"', '"sealed-5"')) } });
      const first = await clients[0]!.ListRuns({ workspace_id: ws, page: { page_size: 1 } });
      expect(first.runs[0]!.subject).toBe('sealed-5');
      expect((await clients[0]!.GetRun({ workspace_id: ws, run_id: started[5]! })).run!.subject).toBe('seal-5');
    } finally {
      await db.close();
    }
  });
});
