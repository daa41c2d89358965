import { verifiedDraft } from '../testing/domain-fixtures';
import { assertMutable } from './draft';
import { draftEvents } from './events';

describe('draft events', () => {
  const before = { ...verifiedDraft({ verification: { status: 'running', outcome: '' } }), lifecycleState: 'verifying' as const, currentCheckpoint: 'verify_access' as const, lastCompletedCheckpoint: 'connect_provider' as const };
  const after = { ...before, lifecycleState: 'ready_for_activation' as const, currentCheckpoint: 'complete' as const, lastCompletedCheckpoint: 'verify_access' as const, revision: 2 };

  it('an evidence change emits the lifecycle change and the completed checkpoint, with before/after', () => {
    const facts = draftEvents(before, after, null);
    expect(facts.map((f) => f.type)).toEqual(['draft.lifecycle_changed', 'draft.checkpoint_completed']);
    expect(facts[0]!.data).toMatchObject({ before: { lifecycleState: 'verifying' }, after: { lifecycleState: 'ready_for_activation' } });
    expect(facts[1]!.data).toMatchObject({ checkpoint: 'verify_access' });
  });

  it('a replay that changes nothing emits nothing', () => {
    expect(draftEvents(after, after, null)).toEqual([]);
  });

  it('a stale verification reopens the checkpoint', () => {
    const reopened = { ...after, lifecycleState: 'action_required' as const, currentCheckpoint: 'verify_access' as const, lastCompletedCheckpoint: 'connect_provider' as const };
    expect(draftEvents(after, reopened, null).map((f) => [f.type, f.data.checkpoint])).toEqual([
      ['draft.lifecycle_changed', undefined],
      ['draft.checkpoint_reopened', 'verify_access'],
    ]);
  });

  it('completion (even by override) completes only the final checkpoint', () => {
    const completed = { ...before, lifecycleState: 'completed' as const, currentCheckpoint: 'complete' as const, lastCompletedCheckpoint: 'complete' as const };
    const types = draftEvents(before, completed, 'completed', { override: true }).map((f) => [f.type, f.data.checkpoint ?? f.data.override]);
    expect(types).toEqual([
      ['draft.completed', true],
      ['draft.checkpoint_completed', 'complete'],
    ]);
  });
});

describe('mutation guard', () => {
  it('rejects a stale version with the current one, and any change to a terminal draft', () => {
    const d = { ...verifiedDraft(), version: 4 };
    expect(() => assertMutable(d, 3)).toThrow(expect.objectContaining({ code: 'DRAFT.VERSION_CONFLICT', kind: 'conflict', details: { currentVersion: 4, expectedVersion: 3 } }));
    expect(() => assertMutable(d, 4)).not.toThrow();
    expect(() => assertMutable({ ...d, lifecycleState: 'cancelled' }, 4)).toThrow(expect.objectContaining({ code: 'DRAFT.TERMINAL' }));
  });
});
