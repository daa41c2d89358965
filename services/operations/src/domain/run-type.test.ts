import type { DomainError } from '@tenantatlas/core';
import { PROVIDER_RUN_TYPES, SCRIPTED_RUN_TYPE } from './catalog';
import { activeSlot, CLAIM_VACANT_AFTER_MS, idempotencyClaim, isOwnStart, newRun, reuse, slotHolder, validateStart, type StartInput } from './run-type';

const check = PROVIDER_RUN_TYPES.find((t) => t.name === 'provider.connection.check')!;
const inventory = PROVIDER_RUN_TYPES.find((t) => t.name === 'inventory.sync')!;
const input: StartInput = {
  workspaceId: 'ws-1',
  tenantId: 'tenant-1',
  type: 'provider.connection.check',
  subject: 'conn-1',
  context: {},
  idempotencyKey: null,
  actor: { kind: 'user', userId: 'u-1' },
};

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return (err as DomainError).code;
  }
};

describe('starting a run', () => {
  it('accepts a complete start and names what is wrong otherwise', () => {
    expect(codeOf(() => validateStart(check, input))).toBe('accepted');
    expect(codeOf(() => validateStart(undefined, { ...input, type: 'nope' }))).toBe('RUN.UNKNOWN_TYPE');
    expect(codeOf(() => validateStart(check, { ...input, workspaceId: '' }))).toBe('RUN.WORKSPACE_REQUIRED');
    expect(codeOf(() => validateStart(check, { ...input, actor: null }))).toBe('RUN.ACTOR_REQUIRED');
    expect(codeOf(() => validateStart(check, { ...input, tenantId: '' }))).toBe('RUN.TENANT_REQUIRED');
    expect(codeOf(() => validateStart(check, { ...input, subject: '' }))).toBe('RUN.SUBJECT_REQUIRED');
    expect(codeOf(() => validateStart(check, { ...input, tenantId: 'a|b' }))).toBe('RUN.INVALID_ID');
    expect(codeOf(() => validateStart(check, { ...input, context: { password: 'x' } }))).toBe('RUN.CONTEXT_KEY_NOT_ALLOWED');
    expect(codeOf(() => validateStart(check, { ...input, context: { trigger: 'Not A Word' } }))).toBe('RUN.CONTEXT_INVALID');
    expect(codeOf(() => validateStart(check, { ...input, idempotencyKey: 'has space' }))).toBe('RUN.IDEMPOTENCY_KEY_INVALID');
    expect(codeOf(() => validateStart(SCRIPTED_RUN_TYPE, { ...input, subject: '', context: { script: 'retry:X.Y:10,ok', max_attempts: '4' } }))).toBe('accepted');
    expect(codeOf(() => validateStart(SCRIPTED_RUN_TYPE, { ...input, context: { max_attempts: '99' } }))).toBe('RUN.CONTEXT_INVALID');
  });

  it('dedupes per subject or per tenant, as the type says', () => {
    expect(activeSlot(check, input)).toBe('ws-1|tenant-1|provider.connection.check|conn-1');
    expect(activeSlot(check, { ...input, subject: 'conn-2' })).not.toBe(activeSlot(check, input));
    expect(activeSlot(inventory, input)).toBe(activeSlot(inventory, { ...input, subject: 'conn-2' }));
    expect(activeSlot(check, input)).not.toBe(activeSlot(check, { ...input, workspaceId: 'ws-2' }));
  });

  it('scopes idempotency keys to the workspace', () => {
    expect(idempotencyClaim('ws-1', 'k')).not.toBe(idempotencyClaim('ws-2', 'k'));
    expect(idempotencyClaim('ws-1', 'k')).not.toBe(idempotencyClaim('ws-1', 'k2'));
  });

  it('holds the dedupe key for an active run, frees it at completion, waits for a run being stored', () => {
    const claim = { at: new Date('2026-01-01T00:00:00Z') };
    const soon = new Date(claim.at.getTime() + 1_000);
    const late = new Date(claim.at.getTime() + CLAIM_VACANT_AFTER_MS);
    const run = newRun(check, { ...input, actor: { kind: 'user', userId: 'u-1' } }, { id: 'r-1', now: claim.at, traceparent: null, redispatchAfterMs: 15_000 });
    expect(slotHolder(claim, run, soon)).toEqual({ held: run });
    expect(slotHolder(claim, { ...run, status: 'running' }, late)).toEqual({ held: { ...run, status: 'running' } });
    expect(slotHolder(claim, { ...run, status: 'completed' }, soon)).toEqual({ completed: { ...run, status: 'completed' } });
    expect(slotHolder(claim, 'abandoned', soon)).toBe('free');
    expect(slotHolder(claim, null, soon)).toBe('storing');
    expect(slotHolder(claim, null, late)).toBe('stalled');
  });
});

describe('what a start creates or reuses', () => {
  const actor = { kind: 'user' as const, userId: 'u-1' };
  const facts = { id: 'r-1', now: new Date('2026-01-01T00:00:00Z'), traceparent: null, redispatchAfterMs: 15_000 };

  it('accepts only the listed resources for an inventory sync', () => {
    expect(codeOf(() => validateStart(inventory, { ...input, type: 'inventory.sync', context: { resources: 'users,groups' } }))).toBe('accepted');
    expect(codeOf(() => validateStart(inventory, { ...input, type: 'inventory.sync', context: { resources: 'users,mail' } }))).toBe('RUN.CONTEXT_INVALID');
  });

  it('queues a new run due now, with the attempts its type (or the scripted context) allows', () => {
    const run = newRun(check, { ...input, actor }, facts);
    expect(run).toMatchObject({ id: 'r-1', status: 'queued', attemptCount: 0, maxAttempts: 4, nextAttemptAt: facts.now, initiator: actor });
    expect(run.redispatchAt).toEqual(new Date('2026-01-01T00:00:15Z'));
    expect(newRun(SCRIPTED_RUN_TYPE, { ...input, subject: '', context: { max_attempts: '7' }, actor }, facts).maxAttempts).toBe(7);
  });

  it('answers a replay with the same run, and refuses a key sent again with another start', () => {
    const run = newRun(check, { ...input, idempotencyKey: 'k', actor }, facts);
    expect(reuse({ run, replayed: true }, input)).toMatchObject({ run, replayed: true, deduplicated: false });
    expect(reuse({ run, replayed: false }, { ...input, subject: 'conn-9' })).toMatchObject({ deduplicated: true, replayed: false });
    expect(codeOf(() => reuse({ run, replayed: true }, { ...input, subject: 'conn-9' }))).toBe('RUN.IDEMPOTENCY_KEY_REUSED');
    expect(isOwnStart(run, 'k')).toBe(true);
    expect(isOwnStart(run, null)).toBe(false);
  });
});
