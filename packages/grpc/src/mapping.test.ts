import { actorFromProto, actorToProto, protoTime } from './mapping';

describe('proto mapping shared by the services', () => {
  it('reads an actor that names exactly one of user or component', () => {
    expect(actorFromProto({ user_id: ' u1 ', display_name: 'Ada', component: '' })).toEqual({ kind: 'user', userId: 'u1', displayName: 'Ada' });
    expect(actorFromProto({ user_id: '', display_name: '', component: 'worker' })).toEqual({ kind: 'system', component: 'worker' });
  });

  it('refuses an actor that names neither or both (null: the service answers with its own error)', () => {
    expect(actorFromProto(undefined)).toBeNull();
    expect(actorFromProto({ user_id: ' ', display_name: '', component: '' })).toBeNull();
    expect(actorFromProto({ user_id: 'u1', display_name: '', component: 'worker' })).toBeNull();
  });

  it('writes an actor back and a missing time as ""', () => {
    const user = { kind: 'user', userId: 'u1', displayName: 'Ada' } as const;
    expect(actorFromProto(actorToProto(user))).toEqual(user);
    expect(actorToProto({ kind: 'system', component: 'worker' })).toEqual({ user_id: '', display_name: '', component: 'worker' });
    expect(protoTime(null)).toBe('');
    expect(protoTime(new Date(Date.UTC(2026, 11, 6, 8, 0, 0)))).toBe('2026-12-06T08:00:00.000Z');
  });
});
