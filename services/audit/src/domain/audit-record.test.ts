import {
  actionFromType,
  entryFromEvent,
  MAX_SUMMARY_KEYS,
  MAX_VALUE_LENGTH,
  parseSubject,
  REDACTED,
  sanitizeSummary,
  traceIdFrom,
  type LifecycleEvent,
} from './audit-record';

function event(overrides: Partial<LifecycleEvent> = {}): LifecycleEvent {
  return {
    id: 'evt-1',
    type: 'tenantatlas.operations.run.completed',
    time: '2026-03-01T10:00:00.000Z',
    subject: 'run/r-42',
    workspaceId: 'ws-1',
    tenantId: 'tenant-1',
    actor: { kind: 'user', userId: 'user-7', displayName: 'Ada' },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { outcome: 'succeeded', reasonCode: 'OK', runType: 'inventory.sync', before: { status: 'running' }, after: { status: 'succeeded' } },
    ...overrides,
  };
}

describe('actionFromType', () => {
  it.each([
    ['tenantatlas.operations.run.completed', 'operations', 'run.completed'],
    ['tenantatlas.onboarding.draft.checkpoint_completed', 'onboarding', 'draft.checkpoint_completed'],
    ['tenantatlas.gateway.access.denied', 'gateway', 'access.denied'],
    ['tenantatlas.connections.connection.credential.rotated', 'connections', 'connection.credential.rotated'],
  ])('%s → service %s, action %s', (type, service, action) => {
    expect(actionFromType(type)).toEqual({ service, action });
  });

  it.each(['run.completed', 'tenantatlas.operations.completed', 'other.operations.run.completed', 'tenantatlas..run.completed', 'tenantatlas.ops.run.com pleted'])(
    'rejects %s',
    (type) => expect(actionFromType(type)).toBeNull(),
  );
});

describe('parseSubject and traceIdFrom', () => {
  it('splits the subject at the first slash', () => {
    expect(parseSubject('run/r-1')).toEqual({ type: 'run', id: 'r-1' });
    expect(parseSubject('connection/a/b')).toEqual({ type: 'connection', id: 'a/b' });
    expect(parseSubject('workspace')).toEqual({ type: 'workspace', id: '' });
  });

  it('takes the trace id from a W3C traceparent only', () => {
    expect(traceIdFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdFrom('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeNull();
    expect(traceIdFrom('garbage')).toBeNull();
    expect(traceIdFrom(undefined)).toBeNull();
  });
});

describe('entryFromEvent', () => {
  const recordedAt = new Date('2026-03-01T10:00:05.000Z');

  it('keeps who did what to which subject, with outcome, summaries and trace id', () => {
    const result = entryFromEvent(event(), recordedAt);
    expect(result).toEqual({
      ok: true,
      entry: {
        eventId: 'evt-1',
        workspaceId: 'ws-1',
        tenantId: 'tenant-1',
        type: 'tenantatlas.operations.run.completed',
        action: 'run.completed',
        sourceService: 'operations',
        actor: { kind: 'user', id: 'user-7', displayName: 'Ada' },
        subjectType: 'run',
        subjectId: 'r-42',
        outcome: 'succeeded',
        reasonCode: 'OK',
        before: { status: 'running' },
        after: { status: 'succeeded' },
        details: { runType: 'inventory.sync' },
        traceId: '0af7651916cd43dd8448eb211c80319c',
        occurredAt: new Date('2026-03-01T10:00:00.000Z'),
        recordedAt,
      },
    });
  });

  it('records a system actor by its component', () => {
    const result = entryFromEvent(event({ actor: { kind: 'system', component: 'operations-worker' } }), recordedAt);
    expect(result.ok && result.entry.actor).toEqual({ kind: 'system', id: 'operations-worker', displayName: null });
  });

  it('never carries a secret from data into the entry', () => {
    const result = entryFromEvent(
      event({ data: { clientSecret: 's3cr3t', after: { password: 'hunter2', displayName: 'Contoso' }, note: 'Bearer abc.def' } }),
      recordedAt,
    );
    expect(JSON.stringify(result)).not.toMatch(/s3cr3t|hunter2|abc\.def/);
    expect(result.ok && result.entry.after).toEqual({ displayName: 'Contoso' });
  });

  it('refuses a type outside the lifecycle vocabulary', () => {
    expect(entryFromEvent(event({ type: 'something.else' }), recordedAt)).toEqual({
      ok: false,
      reason: 'unrecognized event type "something.else"',
    });
  });
});

describe('sanitizeSummary', () => {
  it.each(['password', 'clientSecret', 'accessToken', 'refresh_token', 'apiKey', 'api-key', 'credentials', 'Authorization', 'privateKey', 'connectionString', 'certificatePem'])(
    'drops the key %s',
    (key) => {
      expect(sanitizeSummary({ [key]: 'value', status: 'ok' })).toEqual({ status: 'ok' });
    },
  );

  it('keeps a yes/no fact about a credential, which cannot carry one, and drops its other values', () => {
    expect(sanitizeSummary({ hasCredential: true, credentialResealed: false, credentialKeyId: 'k2', status: 'ok' })).toEqual({
      hasCredential: 'true',
      credentialResealed: 'false',
      status: 'ok',
    });
    expect(sanitizeSummary({ before: { hadCredential: true, credential: 'x' } })).toEqual({ before: '{"hadCredential":true}' });
  });

  it('drops secret keys at any depth of a nested value', () => {
    const summary = sanitizeSummary({ provider: { name: 'graph', auth: { clientSecret: 'x', tenant: 't' } } });
    expect(JSON.parse(summary.provider!)).toEqual({ name: 'graph', auth: { tenant: 't' } });
  });

  it('masks values that look like credentials whatever their key', () => {
    const summary = sanitizeSummary({
      header: 'Bearer eyJabc',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      pem: '-----BEGIN RSA PRIVATE KEY-----\nabc',
      name: 'Contoso',
    });
    expect(summary).toEqual({ header: REDACTED, jwt: REDACTED, pem: REDACTED, name: 'Contoso' });
  });

  it('turns non-string values into JSON text and keeps strings as they are', () => {
    expect(sanitizeSummary({ count: 3, enabled: false, missing: null, tags: ['a', 'b'], name: 'x' })).toEqual({
      count: '3',
      enabled: 'false',
      missing: 'null',
      tags: '["a","b"]',
      name: 'x',
    });
  });

  it('makes keys storable and bounds the size', () => {
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    expect(Object.keys(sanitizeSummary(many))).toHaveLength(MAX_SUMMARY_KEYS);
    expect(sanitizeSummary({ 'a.b': 1, $where: 2 })).toEqual({ a_b: '1', _where: '2' });
    expect(sanitizeSummary({ long: 'x'.repeat(5_000) }).long).toHaveLength(MAX_VALUE_LENGTH);
  });

  it('yields an empty summary for anything that is not an object', () => {
    expect(sanitizeSummary(undefined)).toEqual({});
    expect(sanitizeSummary('text')).toEqual({});
    expect(sanitizeSummary([1, 2])).toEqual({});
  });
});
