import type { Connection } from '../domain/connection';
import { CredentialKeyError } from '../domain/credential-envelope';
import { connectionError } from '../domain/errors';
import type { ProviderAdapter, ProviderTarget } from '../domain/provider';
import type { ConnectionsContext } from './ports';

export function adapterFor(ctx: ConnectionsContext, connection: Connection): ProviderAdapter {
  const adapter = ctx.providers.get(connection.provider);
  if (!adapter) throw connectionError('CONNECTION.PROVIDER_UNSUPPORTED', `no adapter for provider ${connection.provider}`);
  return adapter;
}

/** Opens the credential for one provider call. The plaintext lives only in the returned object. */
export function providerTarget(ctx: ConnectionsContext, connection: Connection): ProviderTarget {
  if (!connection.enabled) throw connectionError('CONNECTION.DISABLED', 'the connection is disabled');
  if (!connection.credential) throw connectionError('CONNECTION.CREDENTIAL_MISSING', 'the connection has no credential; rotate one in');
  try {
    return {
      targetTenantId: connection.targetTenantId,
      clientId: connection.clientId,
      clientSecret: ctx.keyring.open(connection.credential, connection.id),
      connectionType: connection.connectionType,
    };
  } catch (err) {
    if (!(err instanceof CredentialKeyError)) throw err;
    // The key was retired or the envelope altered: an operator must rotate the secret again.
    throw connectionError('CONNECTION.CREDENTIAL_UNREADABLE', 'the stored credential cannot be opened; rotate it', {
      keyId: connection.credential.keyId,
    });
  }
}
