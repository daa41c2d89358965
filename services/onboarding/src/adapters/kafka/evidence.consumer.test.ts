import { createEvent } from '@tenantatlas/kafka';
import type { OnboardingDeps } from '../../app/ports';
import { evidenceHandler } from './evidence.consumer';

/** What operations publishes for a run that has not completed yet: no outcome (null). */
const runEvent = (verb: 'queued' | 'started', status: 'queued' | 'running') =>
  createEvent({
    type: `tenantatlas.operations.run.${verb}`,
    source: 'operations',
    subject: 'run/r-1',
    workspaceId: 'ws-1',
    tenantId: 't-1',
    actor: { kind: 'system', component: 'operations-worker' },
    data: { runId: 'r-1', runType: 'provider.connection.check', runSubject: 'connection/c-1', status, outcome: null, reasonCode: null },
  });

describe('run events as evidence', () => {
  it('reads queued and started events (outcome still null) instead of skipping them', async () => {
    const asked: unknown[] = [];
    const deps = { drafts: { findOpenForEvidence: async (...args: unknown[]) => (asked.push(args), []) } } as unknown as OnboardingDeps;
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    const handle = evidenceHandler(deps, logger);
    for (const event of [runEvent('queued', 'queued'), runEvent('started', 'running')]) {
      // no open draft for the tenant: nothing changed, so nothing to remember
      await expect(handle(event)).resolves.toBe(false);
    }
    expect(warnings).toEqual([]);
    expect(asked).toEqual([['ws-1', { tenantId: 't-1' }], ['ws-1', { tenantId: 't-1' }]]);
  });
});
