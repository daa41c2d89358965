import { DomainError, defineErrors } from './errors';

describe('defineErrors', () => {
  const runError = defineErrors({ 'RUN.NOT_FOUND': 'not_found', 'RUN.ALREADY_ACTIVE': 'conflict' });

  it('raises a code with the kind its catalog gives it', () => {
    const err = runError('RUN.ALREADY_ACTIVE', 'a run of this type is already active', { runId: 'r1' });
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'RUN.ALREADY_ACTIVE', kind: 'conflict', details: { runId: 'r1' } });
    expect(err.message).toBe('a run of this type is already active');
  });

  it('lists its codes so a test can check every code is known', () => {
    expect(runError.codes).toEqual(['RUN.NOT_FOUND', 'RUN.ALREADY_ACTIVE']);
  });
});
