import { at, connection, run } from '../testing/domain-fixtures';
import { connectionEventInvalidates, latest, mergeConnection, mergeRun, mergeRuns } from './evidence';

describe('run evidence merge', () => {
  const queued = run({ status: 'queued', outcome: '', observedAt: at(1) });
  const running = run({ status: 'running', outcome: '', observedAt: at(2) });
  const succeeded = run({ status: 'completed', outcome: 'succeeded', observedAt: at(3) });
  const failed = run({ status: 'completed', outcome: 'failed', observedAt: at(4) });

  it('converges on the terminal state whatever the order of events', () => {
    const orders = [
      [queued, running, succeeded],
      [succeeded, running, queued],
      [running, succeeded, queued],
    ];
    for (const order of orders) {
      const result = order.reduce<ReturnType<typeof mergeRun> | undefined>((acc, r) => mergeRun(acc, r), undefined);
      expect(result).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    }
  });

  it('keeps the first terminal state (a run completes once) and ignores replays', () => {
    expect(mergeRun(succeeded, failed).outcome).toBe('succeeded');
    expect(mergeRun(succeeded, succeeded)).toEqual(succeeded);
  });

  it('keeps a known creation time when a later fact lacks it', () => {
    expect(mergeRun(queued, { ...succeeded, createdAt: null }).createdAt).toEqual(queued.createdAt);
  });

  it('drops the oldest unreferenced runs beyond the limit, never a referenced one', () => {
    let runs = [run({ runId: 'keep', observedAt: at(0) })];
    for (let i = 1; i <= 5; i++) runs = mergeRuns(runs, run({ runId: `r-${i}`, observedAt: at(i) }), new Set(['keep']), 3);
    expect(runs.map((r) => r.runId)).toEqual(['keep', 'r-4', 'r-5']);
  });
});

describe('connection evidence merge', () => {
  it('the higher connection version wins regardless of arrival', () => {
    const v3 = connection({ version: 3, consentStatus: 'granted', observedAt: at(5) });
    const v4 = connection({ version: 4, consentStatus: 'revoked', observedAt: at(1) });
    expect(mergeConnection(v3, v4).consentStatus).toBe('revoked');
    expect(mergeConnection(v4, v3).consentStatus).toBe('revoked');
  });

  it('re-reading the same version keeps the stored evidence (nothing to write)', () => {
    const stored = connection({ version: 5, observedAt: at(1) });
    expect(mergeConnection(stored, connection({ version: 5, observedAt: at(9) }))).toBe(stored);
  });

  it('a different connection replaces the old evidence', () => {
    expect(mergeConnection(connection(), connection({ connectionId: 'conn-2' })).connectionId).toBe('conn-2');
  });

  it('latest() is order independent', () => {
    expect(latest(at(1), at(2))).toEqual(at(2));
    expect(latest(at(2), at(1))).toEqual(at(2));
    expect(latest(null, at(1))).toEqual(at(1));
  });
});

describe('which connection events invalidate a verification', () => {
  it.each([
    ['tenantatlas.connections.connection.updated', { verificationStale: true }, true],
    ['tenantatlas.connections.connection.updated', { verificationStale: false }, false],
    ['tenantatlas.connections.connection.updated', {}, true],
    ['tenantatlas.connections.connection.credential_rotated', {}, true],
    ['tenantatlas.connections.connection.disabled', { verificationStale: false }, true],
    ['tenantatlas.connections.connection.verified', {}, false],
    ['tenantatlas.connections.connection.created', {}, false],
    ['tenantatlas.connections.connection.consent_recorded', { consentStatus: 'granted' }, false],
    ['tenantatlas.connections.connection.consent_recorded', { after: { consentStatus: 'revoked' } }, true],
    ['tenantatlas.connections.connection.consent_changed', { source: 'check', after: { consentStatus: 'required' } }, false],
    ['tenantatlas.connections.connection.consent_changed', { after: { consentStatus: 'required' } }, true],
  ])('%s %j → %s', (type, data, expected) => {
    expect(connectionEventInvalidates(type, data)).toBe(expected);
  });
});
