import { at, connection, draft, run, verifiedDraft } from '../testing/domain-fixtures';
import type { DraftEntity, LifecycleFields } from './draft';
import { deriveLifecycle, factsOf, recalculate } from './lifecycle';

type Expected = Pick<LifecycleFields, 'lifecycleState' | 'currentCheckpoint' | 'lastCompletedCheckpoint' | 'reasonCode'> &
  Partial<Pick<LifecycleFields, 'blockingReasonCode'>>;

const withBootstrap = (d: DraftEntity, runs: { runId: string; status: 'queued' | 'running' | 'completed'; outcome: '' | 'succeeded' | 'partially_succeeded' | 'failed' }[]): DraftEntity => ({
  ...d,
  state: { ...d.state, bootstrapTypes: runs.map((_, i) => `type.${i}`), bootstrapRuns: runs.map((r, i) => ({ type: `type.${i}`, runId: r.runId })) },
  evidence: { ...d.evidence, runs: [...d.evidence.runs, ...runs.map((r, i) => run({ ...r, type: `type.${i}`, reasonCode: r.outcome === 'failed' ? 'PROVIDER.THROTTLED' : '' }))] },
});

const cases: [string, DraftEntity, Expected][] = [
  ['no tenant yet', draft(), { lifecycleState: 'draft', currentCheckpoint: 'identify', lastCompletedCheckpoint: null, reasonCode: 'TENANT_NOT_IDENTIFIED' }],
  [
    'tenant identified, no connection',
    draft({ tenantId: 't-1' }),
    { lifecycleState: 'draft', currentCheckpoint: 'connect_provider', lastCompletedCheckpoint: 'identify', reasonCode: 'CONNECTION_NOT_SELECTED' },
  ],
  [
    'connection selected but disabled',
    verifiedDraft({ conn: { enabled: false }, verification: null }),
    { lifecycleState: 'action_required', currentCheckpoint: 'connect_provider', lastCompletedCheckpoint: 'identify', reasonCode: 'CONNECTION_DISABLED', blockingReasonCode: 'CONNECTION.DISABLED' },
  ],
  [
    'consent required',
    verifiedDraft({ conn: { consentStatus: 'required', verificationStatus: 'unknown' }, verification: null }),
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'CONSENT_MISSING', blockingReasonCode: 'PROVIDER.CONSENT_MISSING' },
  ],
  [
    'connection selected, never verified',
    verifiedDraft({ conn: { consentStatus: 'unknown', verificationStatus: 'unknown' }, verification: null }),
    { lifecycleState: 'draft', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_NOT_STARTED' },
  ],
  [
    'verification queued',
    verifiedDraft({ verification: { status: 'queued', outcome: '' } }),
    { lifecycleState: 'verifying', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_IN_PROGRESS' },
  ],
  [
    'verification started, no evidence arrived yet',
    { ...verifiedDraft({ verification: null }), state: { ...verifiedDraft().state, verificationRunId: 'run-x', verificationConnectionId: 'conn-1' } },
    { lifecycleState: 'verifying', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_IN_PROGRESS' },
  ],
  [
    'verification failed for missing permissions',
    verifiedDraft({ verification: { outcome: 'failed', reasonCode: 'PROVIDER.PERMISSION_MISSING' } }),
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_FAILED', blockingReasonCode: 'PROVIDER.PERMISSION_MISSING' },
  ],
  [
    'verification cancelled',
    verifiedDraft({ verification: { outcome: 'cancelled' } }),
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_CANCELLED', blockingReasonCode: 'VERIFICATION_CANCELLED' },
  ],
  [
    'verification of another connection (selection changed)',
    { ...verifiedDraft(), state: { ...verifiedDraft().state, selectedConnectionId: 'conn-1', verificationConnectionId: 'conn-0' } },
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_CONNECTION_MISMATCH' },
  ],
  [
    'connection changed after the verification started',
    { ...verifiedDraft(), evidence: { ...verifiedDraft().evidence, connectionChangedAt: at(5) } },
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'VERIFICATION_STALE' },
  ],
  [
    'connection changed before the verification started',
    { ...verifiedDraft(), evidence: { ...verifiedDraft().evidence, connectionChangedAt: at(0) } },
    { lifecycleState: 'ready_for_activation', currentCheckpoint: 'complete', lastCompletedCheckpoint: 'verify_access', reasonCode: '' },
  ],
  [
    'verified but the connection is degraded',
    verifiedDraft({ conn: { verificationStatus: 'degraded' } }),
    { lifecycleState: 'action_required', currentCheckpoint: 'verify_access', lastCompletedCheckpoint: 'connect_provider', reasonCode: 'CONNECTION_NOT_HEALTHY', blockingReasonCode: 'PROVIDER.PERMISSION_MISSING' },
  ],
  [
    'verified, no bootstrap selected',
    verifiedDraft(),
    { lifecycleState: 'ready_for_activation', currentCheckpoint: 'complete', lastCompletedCheckpoint: 'verify_access', reasonCode: '' },
  ],
  [
    'verified, the connection not read yet (unknown is not a blocker)',
    { ...verifiedDraft(), evidence: { ...verifiedDraft().evidence, connection: null } },
    { lifecycleState: 'ready_for_activation', currentCheckpoint: 'complete', lastCompletedCheckpoint: 'verify_access', reasonCode: '' },
  ],
  [
    'bootstrap running',
    withBootstrap(verifiedDraft(), [{ runId: 'b-1', status: 'completed', outcome: 'succeeded' }, { runId: 'b-2', status: 'running', outcome: '' }]),
    { lifecycleState: 'bootstrapping', currentCheckpoint: 'bootstrap', lastCompletedCheckpoint: 'verify_access', reasonCode: 'BOOTSTRAP_IN_PROGRESS' },
  ],
  [
    'bootstrap run failed',
    withBootstrap(verifiedDraft(), [{ runId: 'b-1', status: 'completed', outcome: 'failed' }, { runId: 'b-2', status: 'running', outcome: '' }]),
    { lifecycleState: 'action_required', currentCheckpoint: 'bootstrap', lastCompletedCheckpoint: 'verify_access', reasonCode: 'BOOTSTRAP_FAILED', blockingReasonCode: 'PROVIDER.THROTTLED' },
  ],
  [
    'bootstrap done (partial success counts)',
    withBootstrap(verifiedDraft(), [{ runId: 'b-1', status: 'completed', outcome: 'succeeded' }, { runId: 'b-2', status: 'completed', outcome: 'partially_succeeded' }]),
    { lifecycleState: 'ready_for_activation', currentCheckpoint: 'complete', lastCompletedCheckpoint: 'bootstrap', reasonCode: '' },
  ],
];

describe('deriveLifecycle: lifecycle and checkpoints from evidence', () => {
  it.each(cases)('%s', (_name, d, expected) => {
    expect(deriveLifecycle(factsOf(d))).toEqual({ blockingReasonCode: '', ...expected });
  });

  it('keeps the lifecycle of a terminal draft whatever the evidence says', () => {
    const completed = { ...verifiedDraft({ verification: { outcome: 'failed' } }), lifecycleState: 'completed' as const, currentCheckpoint: 'complete' as const, lastCompletedCheckpoint: 'complete' as const };
    expect(recalculate(completed)).toMatchObject({ lifecycleState: 'completed', currentCheckpoint: 'complete' });
  });

  it('only looks at the selected connection’s evidence', () => {
    const d = verifiedDraft({ conn: { connectionId: 'conn-other', enabled: false } });
    expect(deriveLifecycle(factsOf(d)).lifecycleState).toBe('ready_for_activation');
  });

  it('treats a change of unknown order as stale when the run’s creation time is unknown', () => {
    const d = verifiedDraft({ verification: { createdAt: null } });
    const changed = { ...d, evidence: { ...d.evidence, connectionChangedAt: connection().updatedAt } };
    expect(deriveLifecycle(factsOf(changed)).reasonCode).toBe('VERIFICATION_STALE');
  });
});
