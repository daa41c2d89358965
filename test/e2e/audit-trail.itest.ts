/**
 * One onboarding's audit trail, end to end: the whole system as processes (`startStack`), one
 * operator driving a draft through the gateway's API (new draft → identify the tenant → create the
 * connection in the wizard → verification → bootstrap → activate), then the audit log read back
 * through the gateway's audit API, page by page.
 *
 * Order. Audit consumes four topics at once, so the workspace's seq order interleaves subjects
 * arbitrarily; what is defined is the order per subject: by occurred time, and within one write
 * (events of a write share their time and their partition) by seq. Causal steps across subjects
 * (a run's result before the draft reacts to it) are checked by occurred time too.
 *
 * Actors. What the operator did carries the operator's user id — also what the worker did with the
 * provider on the operator's behalf (the connection's check and permission refresh are attributed to
 * the run's initiator, `protoActor(run.initiator)` in operations); a run's own progress is
 * `operations-worker`; what onboarding derived from evidence is `onboarding`.
 */
import { waitFor } from '@tenantatlas/testing';
import { checkContractAtEnd } from './contract';
import { signedInStack } from './system-stack';

const CONTOSO = '11111111-1111-4111-8111-111111111111'; // a healthy tenant of the provider simulator
const BOOTSTRAP = ['inventory.sync', 'permissions.refresh'];

interface AuditRecord {
  event_id: string;
  seq: string;
  action: string;
  tenant_id: string;
  subject_type: string;
  subject_id: string;
  actor_kind: 'user' | 'system';
  actor: { user_id?: string; component?: string };
  outcome: string;
  occurred_at: string;
  details: Record<string, string>;
  after: Record<string, string>;
}

/** `action by actor`, plus the one detail that tells same-named steps apart */
type Step = string;

checkContractAtEnd();

describe('audit trail of one onboarding, read through the gateway', () => {
  const session = signedInStack('audit-trail');

  const call = (method: 'GET' | 'POST', path: string, body?: unknown, expected?: number[]) => session.admin.expect(session.ws, method, path, body, expected);

  /** Every audit record (optionally filtered), newest first, through small pages. */
  async function auditPages(query: Record<string, string> = {}): Promise<AuditRecord[]> {
    const all: AuditRecord[] = [];
    let token = '';
    do {
      const params = new URLSearchParams({ ...query, pageSize: '4', ...(token ? { pageToken: token } : {}) });
      const page = await call('GET', `/audit?${params}`);
      expect(page.events.length).toBeLessThanOrEqual(4);
      all.push(...page.events);
      token = page.next_page_token;
    } while (token);
    return all;
  }

  const draftWhen = (draftId: string, done: (d: any) => boolean, what: string) =>
    waitFor(
      async () => {
        const { draft } = await call('GET', `/drafts/${draftId}`);
        return done(draft) ? draft : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300, what },
    );

  it('records every step of the onboarding in order per subject, each with its actor', async () => {
    // A slow provider (1 s per request) keeps each run finishing after the draft write that started
    // it, so the draft's lifecycle passes through `verifying` and `bootstrapping` every time.
    await session.stack.simulator.control('POST', `/tenants/${CONTOSO}/faults`, { kind: 'slow', delayMs: 1_000 });

    const { draft } = await call('POST', '/drafts');
    const draftId = draft.id as string;
    const identified = await call('POST', `/drafts/${draftId}/identify`, { expected_version: draft.version, external_tenant_id: CONTOSO, name: 'Contoso' });
    const tenantId = identified.tenant.id as string;
    // a stale write is refused (RFC 9457 problem document) and leaves no trace in the audit log
    const stale = await session.admin.post(`/api/workspaces/${session.ws}/drafts/${draftId}/step`, { expected_version: draft.version, step: 'identify' });
    expect([stale.status, stale.headers.get('content-type'), stale.json?.code]).toEqual([409, expect.stringContaining('application/problem+json'), 'DRAFT.VERSION_CONFLICT']);

    const selected = await call('POST', `/drafts/${draftId}/connection`, {
      expected_version: identified.draft.version,
      new_connection: { display_name: 'Contoso app', client_id: 'aaaaaaaa-0000-4000-8000-0000000000a1', target_tenant_id: CONTOSO, client_secret: 'audit-trail-secret-1' },
    });
    const connectionId = selected.connection_id as string;
    const verification = await call('POST', `/drafts/${draftId}/verification`, { expected_version: selected.draft.version });
    const verifyRun = verification.run_id as string;
    const verified = await draftWhen(draftId, (d) => d.lifecycle_state === 'ready_for_activation', 'the verification to complete');
    const boot = await call('POST', `/drafts/${draftId}/bootstrap`, { expected_version: verified.version, types: BOOTSTRAP });
    expect(boot.draft.lifecycle_state).toBe('bootstrapping');
    const bootRuns = Object.fromEntries(boot.runs.map((r: { type: string; run_id: string }) => [r.type, r.run_id])) as Record<string, string>;
    expect(Object.keys(bootRuns).sort()).toEqual(BOOTSTRAP);
    const ready = await draftWhen(draftId, (d) => d.last_completed_checkpoint === 'bootstrap' && d.lifecycle_state === 'ready_for_activation', 'the bootstrap runs');
    const done = await call('POST', `/drafts/${draftId}/activate`, { expected_version: ready.version });
    expect([done.draft.lifecycle_state, done.tenant.status]).toEqual(['completed', 'active']);

    const me = session.admin.userId;
    const user = (action: string) => `${action} by user:${me}`;
    const system = (component: string) => (action: string) => `${action} by ${component}`;
    const onboarding = system('onboarding');
    const worker = system('operations-worker');
    const runTrail = (type: string) => [`${user('run.queued')} ${type}`, `${worker('run.started')} ${type}`, `${worker('run.succeeded')} ${type}`];
    const expected: Record<string, Step[]> = {
      [`draft/${draftId}`]: [
        user('draft.created'),
        user('draft.tenant_identified'),
        `${user('draft.checkpoint_completed')} identify`,
        user('draft.connection_selected'),
        `${user('draft.checkpoint_completed')} connect_provider`,
        user('draft.verification_started'),
        `${user('draft.lifecycle_changed')} verifying`,
        `${onboarding('draft.lifecycle_changed')} ready_for_activation`,
        `${onboarding('draft.checkpoint_completed')} verify_access`,
        user('draft.bootstrap_started'),
        `${user('draft.lifecycle_changed')} bootstrapping`,
        `${onboarding('draft.lifecycle_changed')} ready_for_activation`,
        `${onboarding('draft.checkpoint_completed')} bootstrap`,
        user('draft.completed'),
        `${user('draft.checkpoint_completed')} complete`,
      ],
      [`tenant/${tenantId}`]: [user('tenant.created'), user('tenant.onboarding_started'), user('tenant.activated')],
      [`connection/${connectionId}`]: [
        user('connection.created'),
        // the check and the refresh the worker ran on the operator's behalf
        `${user('connection.verified')} healthy`,
        `${user('connection.consent_changed')} granted`,
        `${user('connection.permissions_refreshed')} pass`,
      ],
      [`run/${verifyRun}`]: runTrail('provider.connection.check'),
      [`run/${bootRuns['inventory.sync']}`]: runTrail('inventory.sync'),
      [`run/${bootRuns['permissions.refresh']}`]: runTrail('permissions.refresh'),
    };
    const expectedCount = Object.values(expected).reduce((n, steps) => n + steps.length, 0);

    // Ingest is asynchronous: read until every expected record is there (and then once more).
    const isOurs = (r: AuditRecord) => `${r.subject_type}/${r.subject_id}` in expected;
    await waitFor(async () => (await auditPages()).filter(isOurs).length >= expectedCount, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      what: `${expectedCount} audit records of the onboarding`,
    });
    const records = await auditPages();

    // the pages: newest first, no repeats, one gap-free chain for the workspace
    expect(records.map((r) => Number(r.seq))).toEqual(records.map((_, i) => records.length - i));
    // nothing else happened in the workspace but its creation (the seeded one)
    expect(records.filter((r) => !isOurs(r)).map((r) => r.action)).toEqual(['workspace.created']);
    expect(records.every((r) => r.tenant_id === (r.subject_type === 'workspace' || r.action === 'draft.created' ? null : tenantId))).toBe(true);

    const actorOf = (r: AuditRecord) => (r.actor_kind === 'user' ? `user:${r.actor.user_id}` : r.actor.component);
    const label = (r: AuditRecord): Step => {
      const base = `${r.action} by ${actorOf(r)}`;
      if (r.subject_type === 'run') return `${base} ${r.details.runType}`;
      if (r.action === 'draft.checkpoint_completed') return `${base} ${r.details.checkpoint}`;
      if (r.action === 'draft.lifecycle_changed') return `${base} ${r.after.lifecycleState}`;
      if (r.subject_type === 'connection' && r.action !== 'connection.created') return `${base} ${r.outcome}`;
      return base;
    };
    const inOrder = (trail: AuditRecord[]) =>
      [...trail].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at) || Number(a.seq) - Number(b.seq));
    const bySubject = (subject: string) => inOrder(records.filter((r) => `${r.subject_type}/${r.subject_id}` === subject));
    for (const [subject, steps] of Object.entries(expected)) {
      expect([subject, bySubject(subject).map(label)]).toEqual([subject, steps]);
      // the audit API's subject filter gives the same trail
      const [type, id] = subject.split('/') as [string, string];
      const filtered = await auditPages({ subjectType: type, subjectId: id });
      expect([subject, inOrder(filtered).map((r) => r.event_id)]).toEqual([subject, bySubject(subject).map((r) => r.event_id)]);
    }

    // causal order across subjects, by occurred time
    const at = (subject: string, step: Step, nth = 0) => {
      const found = bySubject(subject).filter((r) => label(r) === step)[nth];
      if (!found) throw new Error(`no ${step} for ${subject}`);
      return Date.parse(found.occurred_at);
    };
    const draftSubject = `draft/${draftId}`;
    const ready1 = at(draftSubject, `${onboarding('draft.lifecycle_changed')} ready_for_activation`, 0);
    const ready2 = at(draftSubject, `${onboarding('draft.lifecycle_changed')} ready_for_activation`, 1);
    expect(at(`tenant/${tenantId}`, user('tenant.created'))).toBeLessThanOrEqual(at(draftSubject, user('draft.tenant_identified')));
    expect(at(`connection/${connectionId}`, user('connection.created'))).toBeLessThanOrEqual(at(draftSubject, user('draft.connection_selected')));
    expect(at(draftSubject, user('draft.connection_selected'))).toBeLessThanOrEqual(at(`tenant/${tenantId}`, user('tenant.onboarding_started')));
    expect(at(`run/${verifyRun}`, `${user('run.queued')} provider.connection.check`)).toBeLessThanOrEqual(at(draftSubject, user('draft.verification_started')));
    expect(at(`run/${verifyRun}`, `${worker('run.succeeded')} provider.connection.check`)).toBeLessThanOrEqual(ready1);
    for (const type of BOOTSTRAP) {
      expect(ready1).toBeLessThanOrEqual(at(`run/${bootRuns[type]}`, `${user('run.queued')} ${type}`));
      expect(at(`run/${bootRuns[type]}`, `${worker('run.succeeded')} ${type}`)).toBeLessThanOrEqual(ready2);
    }
    expect(ready2).toBeLessThanOrEqual(at(draftSubject, user('draft.completed')));
    expect(at(draftSubject, user('draft.completed'))).toBeLessThanOrEqual(at(`tenant/${tenantId}`, user('tenant.activated')));
  });
});
