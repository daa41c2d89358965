import { at, draft, run, verifiedDraft } from '../testing/domain-fixtures';
import type { DraftEntity } from './draft';
import { compactReadiness, computeReadiness, type NextActionKind } from './readiness';

const bootstrapping = (outcome: '' | 'failed' | 'succeeded'): DraftEntity => {
  const d = verifiedDraft();
  return {
    ...d,
    state: { ...d.state, bootstrapTypes: ['inventory.sync'], bootstrapRuns: [{ type: 'inventory.sync', runId: 'b-1' }] },
    evidence: { ...d.evidence, runs: [...d.evidence.runs, run({ runId: 'b-1', type: 'inventory.sync', status: outcome ? 'completed' : 'running', outcome })] },
  };
};

/** Seed 004 precedence, one case per rung (and the ties that decide between rungs). */
const cases: [string, DraftEntity, NextActionKind, string?][] = [
  ['nothing identified', draft(), 'identify_tenant'],
  ['no connection selected', draft({ tenantId: 't-1' }), 'connect_provider'],
  ['connection disabled', verifiedDraft({ conn: { enabled: false } }), 'connect_provider'],
  ['consent missing beats everything after it', verifiedDraft({ conn: { consentStatus: 'required', verificationStatus: 'degraded' }, verification: null }), 'grant_consent'],
  ['consent revoked after a successful verification', verifiedDraft({ conn: { consentStatus: 'revoked' } }), 'grant_consent'],
  ['verification failed for consent', verifiedDraft({ conn: { consentStatus: 'unknown', verificationStatus: 'blocked' }, verification: { outcome: 'failed', reasonCode: 'PROVIDER.CONSENT_MISSING' } }), 'grant_consent'],
  ['permissions missing', verifiedDraft({ conn: { verificationStatus: 'degraded', missingPermissionCount: 2 } }), 'review_permissions'],
  ['verification failed for permissions', verifiedDraft({ conn: { verificationStatus: 'unknown' }, verification: { outcome: 'failed', reasonCode: 'PROVIDER.PERMISSION_MISSING' } }), 'review_permissions'],
  ['never verified', verifiedDraft({ conn: { verificationStatus: 'unknown' }, verification: null }), 'start_verification'],
  ['never verified, permissions never read', verifiedDraft({ conn: { verificationStatus: 'unknown', missingPermissionCount: 2, permissionsLastRefreshedAt: null }, verification: null }), 'start_verification'],
  ['verification stale', { ...verifiedDraft(), evidence: { ...verifiedDraft().evidence, connectionChangedAt: at(9) } }, 'rerun_verification'],
  ['verification of another connection', { ...verifiedDraft(), state: { ...verifiedDraft().state, verificationConnectionId: 'conn-0' } }, 'rerun_verification'],
  ['verification failed (throttled)', verifiedDraft({ verification: { outcome: 'failed', reasonCode: 'PROVIDER.THROTTLED' } }), 'rerun_verification'],
  ['verification running', verifiedDraft({ verification: { status: 'running', outcome: '' } }), 'open_operation', 'run-1'],
  ['bootstrap running', bootstrapping(''), 'review_bootstrap', 'b-1'],
  ['bootstrap failed', bootstrapping('failed'), 'review_bootstrap', 'b-1'],
  ['bootstrap done', bootstrapping('succeeded'), 'complete_onboarding'],
  ['verified, no bootstrap', verifiedDraft(), 'complete_onboarding'],
  ['completed', { ...verifiedDraft(), lifecycleState: 'completed' }, 'none'],
  ['cancelled', { ...draft(), lifecycleState: 'cancelled' }, 'none'],
];

describe('readiness: one next action by precedence', () => {
  it.each(cases)('%s → %s', (_name, d, kind, runId = '') => {
    const r = computeReadiness(d);
    expect(r.nextAction.kind).toBe(kind);
    expect(r.nextAction.runId).toBe(runId);
  });

  it('is ready only when the lifecycle is ready_for_activation, and says so plainly', () => {
    expect(computeReadiness(verifiedDraft())).toMatchObject({ ready: true, nextAction: { label: 'Complete onboarding' }, blocker: { operatorSummary: '' } });
    const stale = computeReadiness({ ...verifiedDraft(), evidence: { ...verifiedDraft().evidence, connectionChangedAt: at(9) } });
    expect(stale).toMatchObject({
      ready: false,
      verification: { status: 'stale', matchesSelectedConnection: true },
      freshness: { connectionRecentlyUpdated: true, verificationMismatch: false },
      blocker: { reasonCode: 'VERIFICATION_STALE', operatorSummary: 'The connection changed after it was verified; verify it again.' },
    });
  });

  it('reports a mismatched verification', () => {
    const r = computeReadiness({ ...verifiedDraft(), state: { ...verifiedDraft().state, verificationConnectionId: 'conn-0' } });
    expect(r.verification).toMatchObject({ status: 'stale', matchesSelectedConnection: false });
    expect(r.freshness.verificationMismatch).toBe(true);
  });

  it('a completed draft is never "ready" again', () => {
    expect(computeReadiness({ ...verifiedDraft(), lifecycleState: 'completed' }).ready).toBe(false);
  });

  it('compact form for the picker carries stage, readiness and the same next action', () => {
    expect(compactReadiness(verifiedDraft({ verification: { status: 'running', outcome: '' } }))).toEqual({
      lifecycleState: 'verifying',
      stageLabel: 'Verify access',
      ready: false,
      blockingReasonCode: '',
      nextAction: { kind: 'open_operation', label: 'Open operation', runId: 'run-1' },
    });
  });
});
