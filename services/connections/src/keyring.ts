import { ConfigError } from '@tenantatlas/core';
import type { Config } from './config';
import { Keyring, parseKeyList } from './domain/credential-envelope';

/**
 * Builds the keyring from config (which already refused a missing or malformed key list). There is
 * no fallback key: secrets sealed with a key that is gone after a restart can never be opened again.
 */
export function keyringFrom(config: Pick<Config, 'CONNECTIONS_ENCRYPTION_KEYS' | 'CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID'>): Keyring {
  const keys = parseKeyList(config.CONNECTIONS_ENCRYPTION_KEYS);
  if (typeof keys === 'string') throw new ConfigError([`CONNECTIONS_ENCRYPTION_KEYS: ${keys}`]);
  const active = config.CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID ?? keys[0]!.id;
  if (!keys.some((k) => k.id === active)) {
    throw new ConfigError([`CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: no key with id ${active} in CONNECTIONS_ENCRYPTION_KEYS`]);
  }
  return new Keyring(keys, active);
}
