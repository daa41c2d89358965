import type { Actor } from '@tenantatlas/core';
import { validConsentResult, type Connection } from '../domain/connection';
import { connectionEvent } from './events';
import { mutate, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';

export interface ConsentCommand extends ConnectionRef {
  actor: Actor;
  consentStatus: string;
}

export class RecordConsentUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: ConsentCommand): Promise<Connection> {
    const consentStatus = validConsentResult(cmd.consentStatus);
    return mutate(this.ctx.repository, cmd, (current) => {
      if (current.consentStatus === consentStatus) return null;
      return {
        changes: { consentStatus, updatedAt: this.ctx.now() },
        events: (after) => [
          connectionEvent('consent_changed', after, cmd.actor, {
            outcome: consentStatus,
            before: { consentStatus: current.consentStatus },
            after: { consentStatus },
          }),
        ],
      };
    });
  }
}

