import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@tenantatlas/core';
import { configSchema } from './config';
import { keyringFrom } from './keyring';

const infra = { KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1:27017/' };
const key = () => randomBytes(32).toString('base64');

/** The problems a configuration is refused with (fails when it is accepted). */
function refusal(env: Record<string, string>): string[] {
  try {
    keyringFrom(loadConfig(configSchema, { ...infra, ...env }));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('the credential keyring from configuration', () => {
  it('refuses to run without keys, whatever NODE_ENV says, and says how to provide them', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      const [problem, ...rest] = refusal({ NODE_ENV });
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^CONNECTIONS_ENCRYPTION_KEYS: required: `<key id>:<base64 of 32 random bytes>`/);
      expect(problem).toContain('openssl rand -base64 32');
      expect(problem).toContain('npm start');
    }
  });

  it('seals with the first key unless another is named active', () => {
    const keys = `k2:${key()},k1:${key()}`;
    expect(keyringFrom(loadConfig(configSchema, { ...infra, CONNECTIONS_ENCRYPTION_KEYS: keys })).activeKeyId).toBe('k2');
    const named = loadConfig(configSchema, { ...infra, CONNECTIONS_ENCRYPTION_KEYS: keys, CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: 'k1' });
    expect(keyringFrom(named).activeKeyId).toBe('k1');
  });

  it('names the variable and never the key material when the keys are malformed or the active id is unknown', () => {
    const material = key();
    const problems = [
      ...refusal({ CONNECTIONS_ENCRYPTION_KEYS: `k1:${material.slice(0, 20)}` }),
      ...refusal({ CONNECTIONS_ENCRYPTION_KEYS: `k1:${material}`, CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: 'k9' }),
    ];
    expect(problems).toEqual([
      'CONNECTIONS_ENCRYPTION_KEYS: key k1 must decode to 32 bytes (base64 of 32 random bytes)',
      'CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: no key with id k9 in CONNECTIONS_ENCRYPTION_KEYS',
    ]);
  });
});
