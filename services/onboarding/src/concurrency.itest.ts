import type { EventEnvelope } from '@tenantatlas/kafka';
import { spreadCalls, tally, uniqueName, waitFor } from '@tenantatlas/testing';
import { guid, OPERATOR, OTHER_OPERATOR, startStack, type OnboardingClient, type Replica, type Stack } from './testing/harness';

/**
 * Two onboarding processes (replicas, as the Helm chart runs them) on one FerretDB and one Kafka:
 * 100 operators at once change one draft, then one tenant, each naming the version they just
 * read, half of them through each process. Each version is won by exactly one change; every other
 * one is told its version is stale; what was won is what is stored and what was published.
 *
 * The operators arrive one after another (each reads when the one before has read) while all
 * their writes are in flight, so later ones read versions won meanwhile and many versions are
 * contended, not only the first.
 */
const CALLS = 100;
/** Correctness under contention is the point, not speed: no call is cut short by its deadline. */
const PATIENT = { timeoutMs: 170_000 };

type Version = { version: number };

/** Runs reads one at a time, in the order they were asked for; what follows each read runs at once. */
function arrivals() {
  let previous = Promise.resolve();
  return async <T>(read: () => Promise<T>): Promise<T> => {
    const turn = previous;
    let done!: () => void;
    previous = new Promise<void>((resolve) => (done = resolve));
    await turn;
    try {
      return await read();
    } finally {
      done();
    }
  };
}

describe('onboarding under concurrent changes from two processes', () => {
  let stack: Stack;
  let replica: Replica;
  const clients = (): OnboardingClient[] => [stack.client, replica.client];
  const actors = [OPERATOR, OTHER_OPERATOR];

  beforeAll(async () => {
    stack = await startStack('concurrency');
    replica = await stack.startReplica();
  });
  afterAll(() => stack?.stop());

  const identify = (workspace: string) =>
    stack.client.IdentifyTenant({ workspace_id: workspace, actor: OPERATOR, external_tenant_id: guid(), name: 'Contoso', primary_domain: 'contoso.com' });

  /** The versions after `first` that the winners hold, in order: each one exactly once. */
  const expectEachVersionWonOnce = (wins: Version[], first: number) =>
    expect(wins.map((w) => w.version).sort((a, b) => a - b)).toEqual(wins.map((_, i) => first + 1 + i));

  /** The events of one subject published for versions after `first`, once the winners' count arrived. */
  const publishedAfter = (subject: string, first: number, count: number): Promise<EventEnvelope[]> =>
    waitFor(
      () => {
        const events = stack.log.of(subject).filter((e) => (e.data as Version).version > first);
        return events.length >= count ? events : undefined;
      },
      { timeoutMs: 60_000, what: `${count} events for ${subject}` },
    );

  const byVersion = <T extends Version>(a: T, b: T) => a.version - b.version;

  it('gives each version of a draft to exactly one of 100 concurrent step changes, and publishes exactly the winners', async () => {
    const workspace = uniqueName('ws');
    const { draft } = await identify(workspace);
    const first = draft!.version;
    const other = (step: string) => (step === 'connect' ? 'identify' : 'connect');
    const arrive = arrivals();
    // each operator moves the wizard away from the step they see
    const outcomes = await spreadCalls(clients(), CALLS, async (client, i) => {
      const seen = await arrive(async () => (await client.GetDraft({ workspace_id: workspace, draft_id: draft!.id })).draft!);
      const ref = { workspace_id: workspace, actor: actors[i % 2], draft_id: draft!.id, expected_version: seen.version };
      return (await client.SetCurrentStep({ ...ref, step: other(seen.current_step) }, PATIENT)).draft!;
    });
    const { won, refused, wonBy } = tally(outcomes, 2);
    console.log(`draft changes: ${won.length} won (${wonBy.join(' + ')} by process 1 + 2), ${refused.length} refused`);

    expect(refused).toEqual(refused.map(() => 'conflict DRAFT.VERSION_CONFLICT'));
    expectEachVersionWonOnce(won, first);
    // every winner changed the state the previous winner left: no change was written over
    const steps = won.sort(byVersion).map((d) => d.current_step);
    expect(steps).toEqual(steps.map((_, i) => (i % 2 === 0 ? other(draft!.current_step) : draft!.current_step)));
    const last = won[won.length - 1]!;
    const stored = (await replica.client.GetDraft({ workspace_id: workspace, draft_id: draft!.id })).draft!;
    expect(stored).toMatchObject({ version: last.version, current_step: last.current_step, updated_by: { user_id: last.updated_by!.user_id } });

    const events = await publishedAfter(`draft/${draft!.id}`, first, won.length);
    expect(events.map((e) => [e.type, (e.data as Version).version, (e.data as { after: { currentStep: string } }).after.currentStep]).sort()).toEqual(
      won.map((d) => ['tenantatlas.onboarding.draft.step_changed', d.version, d.current_step]).sort(),
    );
  });

  it('gives each version of a tenant to exactly one of 100 concurrent archives and restores, and publishes exactly the winners', async () => {
    const workspace = uniqueName('ws');
    const { draft, tenant } = await identify(workspace);
    // an open draft holds the tenant against archiving: end it first
    await stack.client.CancelDraft({ workspace_id: workspace, actor: OPERATOR, draft_id: draft!.id, expected_version: draft!.version });
    const first = tenant!.version;
    const arrive = arrivals();
    // each operator flips the tenant from the status they see: archive it, or restore it
    const outcomes = await spreadCalls(clients(), CALLS, async (client, i) => {
      const seen = await arrive(async () => (await client.GetTenant({ workspace_id: workspace, tenant_id: tenant!.id })).tenant!);
      const ref = { workspace_id: workspace, actor: actors[i % 2], tenant_id: tenant!.id, expected_version: seen.version };
      const changed = seen.status === 'archived' ? client.RestoreTenant(ref, PATIENT) : client.ArchiveTenant({ ...ref, reason: `operator ${i}` }, PATIENT);
      return (await changed).tenant!;
    });
    const { won, refused, wonBy } = tally(outcomes, 2);
    console.log(`tenant changes: ${won.length} won (${wonBy.join(' + ')} by process 1 + 2), ${refused.length} refused`);

    expect(refused).toEqual(refused.map(() => 'conflict TENANT.VERSION_CONFLICT'));
    expectEachVersionWonOnce(won, first);
    const statuses = won.sort(byVersion).map((t) => t.status);
    expect(statuses).toEqual(statuses.map((_, i) => (i % 2 === 0 ? 'archived' : 'draft')));
    const last = won[won.length - 1]!;
    const stored = (await replica.client.GetTenant({ workspace_id: workspace, tenant_id: tenant!.id })).tenant!;
    expect(stored).toMatchObject({ version: last.version, status: last.status });

    const events = await publishedAfter(`tenant/${tenant!.id}`, first, won.length);
    const verb = (status: string) => `tenantatlas.onboarding.tenant.${status === 'archived' ? 'archived' : 'restored'}`;
    expect(events.map((e) => [e.type, (e.data as Version).version, (e.data as { after: { status: string } }).after.status]).sort()).toEqual(
      won.map((t) => [verb(t.status), t.version, t.status]).sort(),
    );
  });
});
