import { DomainError } from '@tenantatlas/core';
import { NOOP_RUN_TYPE, PROVIDER_RUN_TYPES } from '../domain/catalog';
import { isAdmissionRefusal, subjectConnection, tenantRefusal } from '../domain/run-type';
import { outcomeOfError } from './outcome-of-error';
import { RecentAnswers, RunAdmission, StartRunUseCase, type StartRunCommand } from './start-run.use-case';
import type { ConnectionDirectory, RunRepository, TenantDirectory } from './ports';
import type { Run } from '../domain/run';

const check = PROVIDER_RUN_TYPES.find((t) => t.name === 'provider.connection.check')!;

/** Onboarding and connections as in-memory tables: ws-1 has t-1 (active), t-old (archived); ws-2 has t-2. */
function directories() {
  const tenants = new Map([
    ['ws-1/t-1', 'active'],
    ['ws-1/t-old', 'archived'],
    ['ws-2/t-2', 'active'],
  ]);
  const connections = new Map([
    ['c-1', { workspaceId: 'ws-1', tenantId: 't-1' }],
    ['c-2', { workspaceId: 'ws-2', tenantId: 't-2' }],
  ]);
  const calls = { tenants: 0, connections: 0 };
  const tenantDirectory: TenantDirectory = {
    async standing(ws, id) {
      calls.tenants++;
      const status = tenants.get(`${ws}/${id}`);
      return status ? { status } : null;
    },
  };
  const connectionDirectory: ConnectionDirectory = {
    async belongsTo(ws, tenantId, id) {
      calls.connections++;
      const c = connections.get(id);
      return c?.workspaceId === ws && c.tenantId === tenantId;
    },
  };
  return { tenants, tenantDirectory, connectionDirectory, calls };
}

const refusalOf = (promise: Promise<void>) =>
  promise.then(
    () => 'admitted',
    (err: DomainError) => ({ kind: err.kind, code: err.code, message: err.message, details: err.details }),
  );

describe('run admission', () => {
  it('says which run types name a connection of the tenant as subject', () => {
    expect(PROVIDER_RUN_TYPES.map((t) => t.subjectKind)).toEqual(['connection', 'connection', 'connection', 'connection']);
    expect(subjectConnection(check, { subject: 'c-1' })).toBe('c-1');
    expect(subjectConnection(NOOP_RUN_TYPE, { subject: 'anything' })).toBeNull();
  });

  it('refuses another tenant\'s or workspace\'s connection exactly like a random id', async () => {
    const d = directories();
    const admission = new RunAdmission(d.tenantDirectory, d.connectionDirectory, 0);
    const start = (subject: string) => refusalOf(admission.admit(check, { workspaceId: 'ws-1', tenantId: 't-1', subject }));
    expect(await start('c-1')).toBe('admitted');
    const foreign = await start('c-2');
    expect(foreign).toEqual({ kind: 'not_found', code: 'RUN.SUBJECT_NOT_FOUND', message: expect.any(String), details: { field: 'subject' } });
    expect(await start('no-such-connection')).toEqual(foreign);
  });

  it('refuses a tenant of another workspace exactly like a random one, and an archived one', async () => {
    const d = directories();
    const admission = new RunAdmission(d.tenantDirectory, d.connectionDirectory, 0);
    const start = (tenantId: string) => refusalOf(admission.admit(NOOP_RUN_TYPE, { workspaceId: 'ws-1', tenantId, subject: '' }));
    const otherWorkspace = await start('t-2');
    expect(otherWorkspace).toEqual({ kind: 'not_found', code: 'TENANT.NOT_FOUND', message: 'tenant not found', details: {} });
    expect(await start('random')).toEqual(otherWorkspace);
    expect(await start('t-old')).toMatchObject({ kind: 'failed_precondition', code: 'TENANT.ARCHIVED' });
    // the tenant is judged first: a foreign tenant with its own connection is a missing tenant
    expect(await refusalOf(admission.admit(check, { workspaceId: 'ws-1', tenantId: 't-2', subject: 'c-2' }))).toEqual(otherWorkspace);
  });

  it('asks once for concurrent and repeated starts, keeps only positive answers, and sees an archive after the window', async () => {
    const d = directories();
    let now = 0;
    const admission = new RunAdmission(d.tenantDirectory, d.connectionDirectory, 5_000);
    (admission as unknown as { recent: RecentAnswers }).recent = new RecentAnswers(5_000, 100, () => now);
    const start = () => admission.admit(check, { workspaceId: 'ws-1', tenantId: 't-1', subject: 'c-1' });
    await Promise.all(Array.from({ length: 50 }, start));
    await start();
    expect(d.calls).toEqual({ tenants: 1, connections: 1 });

    await refusalOf(admission.admit(NOOP_RUN_TYPE, { workspaceId: 'ws-1', tenantId: 'ghost', subject: '' }));
    await refusalOf(admission.admit(NOOP_RUN_TYPE, { workspaceId: 'ws-1', tenantId: 'ghost', subject: '' }));
    expect(d.calls.tenants).toBe(3);

    d.tenants.set('ws-1/t-1', 'archived');
    now += 5_001;
    expect(await refusalOf(start())).toMatchObject({ code: 'TENANT.ARCHIVED' });
  });

  it('lets an unreachable owner fail the start instead of admitting it', async () => {
    const d = directories();
    const down = { standing: async () => Promise.reject(new DomainError('GRPC.UNAVAILABLE', 'unavailable', 'no connection')) };
    const admission = new RunAdmission(down, d.connectionDirectory, 5_000);
    expect(await refusalOf(admission.admit(NOOP_RUN_TYPE, { workspaceId: 'ws-1', tenantId: 't-1', subject: '' }))).toMatchObject({ kind: 'unavailable' });
  });

  it('tells refusals of what a start names apart from other errors', () => {
    expect(isAdmissionRefusal(tenantRefusal(null))).toBe(true);
    expect(isAdmissionRefusal(tenantRefusal({ status: 'archived' }))).toBe(true);
    expect(tenantRefusal({ status: 'draft' })).toBeNull();
    expect(isAdmissionRefusal(new DomainError('RUN.NOT_FOUND', 'not_found', 'run not found'))).toBe(false);
  });

  it('fails a run permanently when the connections service no longer finds its subject for its tenant', () => {
    const gone = new DomainError('CONNECTION.NOT_FOUND', 'not_found', 'connection not found', { connectionId: 'c-1' });
    expect(outcomeOfError(gone)).toMatchObject({ kind: 'failed', errorClass: 'permanent', reasonCode: 'CONNECTION.NOT_FOUND' });
  });
});

describe('start with an idempotency key', () => {
  it("replays the caller's own run that completed before its key was remembered, and creates nothing", async () => {
    const done = { id: 'run-1', workspaceId: 'ws-1', tenantId: 't-1', type: NOOP_RUN_TYPE.name, subject: '', status: 'completed', outcome: 'succeeded', idempotencyKey: 'click-42' } as Run;
    const writes: string[] = [];
    const runs = {
      findByIdempotencyKey: async () => null, // the earlier start has not remembered its key yet
      newestClaim: async () => ({ revision: 1, runId: 'run-1', at: new Date() }),
      runOfClaim: async () => done,
      claim: async () => writes.push('claim') > 0,
      insert: async () => (writes.push('insert'), 'created'),
      rememberIdempotencyKey: async (_ws: string, _key: string, runId: string) => (writes.push('key'), runId),
    } as unknown as RunRepository;
    const d = directories();
    const start = new StartRunUseCase({ runs, runTypes: new Map([[NOOP_RUN_TYPE.name, NOOP_RUN_TYPE]]), admission: new RunAdmission(d.tenantDirectory, d.connectionDirectory, 0), redispatchAfterMs: 1_000 });
    const input = { workspaceId: 'ws-1', tenantId: 't-1', type: NOOP_RUN_TYPE.name, subject: '', context: {}, actor: { kind: 'user', userId: 'u-1' }, idempotencyKey: 'click-42' };
    expect(await start.execute(input as unknown as StartRunCommand)).toMatchObject({ run: { id: 'run-1' }, replayed: true, deduplicated: false });
    // another caller's completed run frees the key: a new run is claimed
    const other = await start.execute({ ...input, idempotencyKey: 'click-43' } as unknown as StartRunCommand);
    expect(other).toMatchObject({ replayed: false, deduplicated: false });
    expect(other.run.id).not.toBe('run-1');
    expect(writes).toEqual(['claim', 'insert', 'key']);
  });
});
