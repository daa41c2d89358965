import type { Actor } from '@tenantatlas/core';
import { hadVerification, validSecret, type Connection } from '../domain/connection';
import { connectionEvent } from './events';
import { mutate, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';

export interface RotateCommand extends ConnectionRef {
  actor: Actor;
  clientSecret: string;
}

/** Seals the new secret with the active key; a verification of the old one no longer counts. */
export class RotateCredentialUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: RotateCommand): Promise<Connection> {
    const secret = validSecret(cmd.clientSecret);
    return mutate(this.ctx.repository, cmd, (current) => {
      const stale = hadVerification(current);
      const now = this.ctx.now();
      return {
        changes: {
          credential: this.ctx.keyring.seal(secret, current.id),
          credentialRotatedAt: now,
          updatedAt: now,
          ...(stale ? { verificationStatus: 'unknown' as const, verificationStale: true } : {}),
        },
        events: (after) => [
          connectionEvent('credential_rotated', after, cmd.actor, {
            keyId: after.credential?.keyId ?? null,
            hadCredential: current.credential !== null,
            verificationStale: stale,
          }),
        ],
      };
    });
  }
}

