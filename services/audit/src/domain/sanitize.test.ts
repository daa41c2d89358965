import { MAX_SUMMARY_KEYS, MAX_VALUE_LENGTH, REDACTED, sanitizeSummary } from './sanitize';

describe('sanitizeSummary', () => {
  it.each(['password', 'clientSecret', 'accessToken', 'refresh_token', 'apiKey', 'api-key', 'credentials', 'Authorization', 'privateKey', 'connectionString', 'certificatePem'])(
    'drops the key %s',
    (key) => {
      expect(sanitizeSummary({ [key]: 'value', status: 'ok' })).toEqual({ status: 'ok' });
    },
  );

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
