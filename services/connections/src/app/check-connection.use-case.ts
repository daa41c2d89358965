import { metrics } from '@opentelemetry/api';
import { DomainError, type Actor } from '@tenantatlas/core';
import type { Connection } from '../domain/connection';
import { ProviderFailure } from '../domain/provider';
import { completedReport, failedReport, localBlockReport, type VerificationReport } from '../domain/verification';
import { connectionEvent } from './events';
import { loadConnection, mutate, type ConnectionRef } from './load';
import type { ConnectionsContext } from './ports';
import { adapterFor, providerTarget } from './provider-target';

const checks = metrics.getMeter('connections').createCounter('tenantatlas_connection_checks_total', {
  description: 'Provider connection checks by resulting status and reason code',
});

export interface CheckCommand extends ConnectionRef {
  actor: Actor;
}

export interface CheckResult {
  report: VerificationReport;
  connection: Connection;
  checkedAt: Date;
}

const LOCAL_BLOCKS = new Set(['CONNECTION.DISABLED', 'CONNECTION.CREDENTIAL_MISSING', 'CONNECTION.CREDENTIAL_UNREADABLE']);

async function runCheck(ctx: ConnectionsContext, connection: Connection): Promise<VerificationReport> {
  try {
    const adapter = adapterFor(ctx, connection);
    const target = providerTarget(ctx, connection);
    const organization = await adapter.readOrganization(target);
    const granted = await adapter.readGrants(target);
    return completedReport(connection.connectionType, ctx.required, organization, granted);
  } catch (err) {
    if (err instanceof ProviderFailure) return failedReport(err);
    if (err instanceof DomainError && LOCAL_BLOCKS.has(err.code)) {
      return localBlockReport(err.code as Parameters<typeof localBlockReport>[0], err.message);
    }
    throw err;
  }
}

/** The result belongs to the identity and credential that were checked; a newer one is not judged by it. */
function sameSubject(a: Connection, b: Connection): boolean {
  return (
    a.clientId === b.clientId &&
    a.targetTenantId === b.targetTenantId &&
    a.connectionType === b.connectionType &&
    a.credentialRotatedAt?.getTime() === b.credentialRotatedAt?.getTime()
  );
}

/**
 * Lazy re-encryption: a credential sealed with a key that is no longer the active one is sealed
 * again with the active key when a check records its result, so retiring a key only needs every
 * connection to be checked (or rotated) once. Undefined when nothing needs to change.
 */
function resealed(ctx: ConnectionsContext, current: Connection): Connection['credential'] | undefined {
  if (!current.credential || !ctx.keyring.isOutdated(current.credential)) return undefined;
  try {
    return ctx.keyring.seal(ctx.keyring.open(current.credential, current.id), current.id);
  } catch {
    return undefined; // unreadable: the check already reported CONNECTION.CREDENTIAL_UNREADABLE
  }
}

/** Runs the provider check, records its result on the connection and emits `verified`. */
export class CheckConnectionUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: CheckCommand): Promise<CheckResult> {
    const checked = await loadConnection(this.ctx.repository, cmd);
    const report = await runCheck(this.ctx, checked);
    const checkedAt = this.ctx.now();
    checks.add(1, { provider: checked.provider, status: report.status, reason_code: report.reasonCode || 'NONE' });
    const connection = await mutate(this.ctx.repository, cmd, (current) => {
      if (!sameSubject(current, checked)) return null;
      const consent = report.consent && report.consent !== current.consentStatus ? report.consent : undefined;
      const credential = resealed(this.ctx, current);
      return {
        changes: {
          verificationStatus: report.status,
          lastVerifiedAt: checkedAt,
          lastReasonCode: report.reasonCode,
          verificationStale: false,
          updatedAt: checkedAt,
          ...(consent ? { consentStatus: consent } : {}),
          ...(report.granted ? { granted: { ...report.granted, refreshedAt: checkedAt } } : {}),
          ...(credential ? { credential } : {}),
        },
        events: (after) => [
          connectionEvent('verified', after, cmd.actor, {
            outcome: report.status,
            reasonCode: report.reasonCode || null,
            retryable: report.retryable,
            retryAfterMs: report.retryAfterMs,
            missingPermissions: report.missingPermissions,
            ...(credential ? { credentialResealed: true, credentialKeyId: credential.keyId } : {}),
            before: { verificationStatus: current.verificationStatus, consentStatus: current.consentStatus },
            after: { verificationStatus: after.verificationStatus, consentStatus: after.consentStatus },
          }),
          ...(consent
            ? [connectionEvent('consent_changed', after, cmd.actor, {
                outcome: consent,
                source: 'check',
                before: { consentStatus: current.consentStatus },
                after: { consentStatus: consent },
              })]
            : []),
        ],
      };
    });
    return { report, connection, checkedAt };
  }
}
