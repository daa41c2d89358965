import { randomBytes } from 'node:crypto';
import { ConfigError, type Logger } from '@tenantatlas/shared';
import type { Config } from './config';
import { Keyring, parseKeyList } from './domain/credential-envelope';

/** Builds the keyring from config; refuses to run in production without configured keys. */
export function keyringFrom(config: Config, logger: Logger): Keyring {
  if (!config.CONNECTIONS_ENCRYPTION_KEYS) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError(['CONNECTIONS_ENCRYPTION_KEYS: required in production']);
    }
    const id = `ephemeral-${randomBytes(3).toString('hex')}`;
    logger.warn({ keyId: id }, 'CONNECTIONS_ENCRYPTION_KEYS is not set: using an ephemeral key; stored credentials will not open after a restart');
    return new Keyring([{ id, key: randomBytes(32) }], id);
  }
  const keys = parseKeyList(config.CONNECTIONS_ENCRYPTION_KEYS);
  if (typeof keys === 'string') throw new ConfigError([`CONNECTIONS_ENCRYPTION_KEYS: ${keys}`]);
  const active = config.CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID ?? keys[0]!.id;
  if (!keys.some((k) => k.id === active)) {
    throw new ConfigError([`CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: no key with id ${active} in CONNECTIONS_ENCRYPTION_KEYS`]);
  }
  return new Keyring(keys, active);
}
