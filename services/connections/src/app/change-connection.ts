import { failedPrecondition, type Actor } from '@tenantatlas/shared';
import {
  diffEdit,
  hadVerification,
  summary,
  touchesIdentity,
  validClientId,
  validConnectionType,
  validConsentResult,
  validDisplayName,
  validSecret,
  validTargetTenant,
  type Connection,
} from '../domain/connection';
import { connectionEvent } from './events';
import { mutate, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';

export interface EditCommand extends ConnectionRef {
  actor: Actor;
  displayName?: string;
  clientId?: string;
  targetTenantId?: string;
  connectionType?: string;
}

const pick = (c: Connection, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (c as unknown as Record<string, unknown>)[k]]));

/** Edits non-secret fields; a new identity invalidates the last verification. */
export function updateConnection(ctx: ConnectionsContext, cmd: EditCommand): Promise<Connection> {
  const edit = {
    displayName: cmd.displayName === undefined ? undefined : validDisplayName(cmd.displayName),
    clientId: cmd.clientId === undefined ? undefined : validClientId(cmd.clientId),
    targetTenantId: cmd.targetTenantId === undefined ? undefined : validTargetTenant(cmd.targetTenantId),
    connectionType: cmd.connectionType === undefined ? undefined : validConnectionType(cmd.connectionType),
  };
  return mutate(ctx.repository, cmd, (current) => {
    const changes = diffEdit(current, edit);
    const fields = Object.keys(changes);
    if (fields.length === 0) return null;
    const stale = touchesIdentity(changes) && hadVerification(current);
    if (stale) Object.assign(changes, { verificationStatus: 'unknown', verificationStale: true });
    return {
      changes: { ...changes, updatedAt: ctx.now() },
      events: (after) => [
        connectionEvent('updated', after, cmd.actor, {
          changedFields: fields,
          verificationStale: stale,
          before: pick(current, fields),
          after: pick(after, fields),
        }),
      ],
    };
  });
}

export interface RotateCommand extends ConnectionRef {
  actor: Actor;
  clientSecret: string;
}

/** Seals the new secret with the active key; a verification of the old one no longer counts. */
export function rotateCredential(ctx: ConnectionsContext, cmd: RotateCommand): Promise<Connection> {
  const secret = validSecret(cmd.clientSecret);
  return mutate(ctx.repository, cmd, (current) => {
    const stale = hadVerification(current);
    const now = ctx.now();
    return {
      changes: {
        credential: ctx.keyring.seal(secret, current.id),
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

export interface ActorCommand extends ConnectionRef {
  actor: Actor;
}

/** Enabling or disabling is idempotent: repeating it changes and emits nothing. */
export function setEnabled(ctx: ConnectionsContext, cmd: ActorCommand, enabled: boolean): Promise<Connection> {
  return mutate(ctx.repository, cmd, (current) => {
    if (current.enabled === enabled) return null;
    return {
      changes: { enabled, updatedAt: ctx.now() },
      events: (after) => [
        connectionEvent(enabled ? 'enabled' : 'disabled', after, cmd.actor, { before: { enabled: !enabled }, after: summary(after) }),
      ],
    };
  });
}

export interface ConsentCommand extends ConnectionRef {
  actor: Actor;
  consentStatus: string;
}

export function recordConsent(ctx: ConnectionsContext, cmd: ConsentCommand): Promise<Connection> {
  const consentStatus = validConsentResult(cmd.consentStatus);
  return mutate(ctx.repository, cmd, (current) => {
    if (current.consentStatus === consentStatus) return null;
    return {
      changes: { consentStatus, updatedAt: ctx.now() },
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

export function assertEnabled(connection: Connection): void {
  if (!connection.enabled) throw failedPrecondition('CONNECTION.DISABLED', 'the connection is disabled');
}
