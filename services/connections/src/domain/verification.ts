import type { ProviderReasonCode } from './errors';
import type { ConnectionType, ConsentStatus, GrantedPermissions } from './connection';
import { permissionVerdict, type RequiredPermissions } from './permissions';
import type { ProviderFailure, ProviderFailureKind, ProviderOrganization } from './provider';

export type CheckStatus = 'healthy' | 'degraded' | 'blocked' | 'error';

export interface FailureClass {
  reasonCode: ProviderReasonCode;
  status: CheckStatus;
  retryable: boolean;
  /** what the failure tells us about consent; undefined = nothing */
  consent?: ConsentStatus;
}

/** The one table from provider failures to verification outcomes and stable reason codes. */
export const FAILURE_CLASSES: Record<ProviderFailureKind, FailureClass> = {
  throttled: { reasonCode: 'PROVIDER.THROTTLED', status: 'error', retryable: true },
  unavailable: { reasonCode: 'PROVIDER.UNAVAILABLE', status: 'error', retryable: true },
  timeout: { reasonCode: 'PROVIDER.TIMEOUT', status: 'error', retryable: true },
  consent_missing: { reasonCode: 'PROVIDER.CONSENT_MISSING', status: 'blocked', retryable: false, consent: 'required' },
  permission_missing: { reasonCode: 'PROVIDER.PERMISSION_MISSING', status: 'blocked', retryable: false },
  credential_invalid: { reasonCode: 'PROVIDER.CREDENTIAL_INVALID', status: 'blocked', retryable: false },
  tenant_not_found: { reasonCode: 'PROVIDER.TENANT_NOT_FOUND', status: 'blocked', retryable: false },
  invalid_page_token: { reasonCode: 'PROVIDER.INVALID_PAGE_TOKEN', status: 'error', retryable: false },
  unexpected: { reasonCode: 'PROVIDER.UNEXPECTED_RESPONSE', status: 'error', retryable: false },
};

export interface VerificationCheck {
  key: 'provider.token' | 'provider.consent' | 'provider.organization' | 'provider.permissions';
  status: 'pass' | 'warn' | 'fail' | 'skip';
  reasonCode: string;
  message: string;
}

export interface VerificationReport {
  status: CheckStatus;
  reasonCode: string;
  retryable: boolean;
  retryAfterMs: number;
  /** undefined = the check learned nothing about consent */
  consent?: ConsentStatus;
  missingPermissions: string[];
  checks: VerificationCheck[];
  message: string;
  /** set when the grants were read, so the posture can be stored */
  granted?: Pick<GrantedPermissions, 'application' | 'delegated'>;
}

const ORDER: VerificationCheck['key'][] = ['provider.token', 'provider.consent', 'provider.organization', 'provider.permissions'];
const STEP_INDEX = { token: 0, organization: 2, permissions: 3, inventory: 3 } as const;

/** A check that stopped at a provider failure: earlier checks passed, later ones were skipped. */
export function failedReport(failure: ProviderFailure): VerificationReport {
  const cls = FAILURE_CLASSES[failure.kind];
  // A consent failure shows at sign-in, but it is the consent check that fails.
  const failedAt = failure.kind === 'consent_missing' ? 1 : STEP_INDEX[failure.step];
  const checks = ORDER.map((key, index): VerificationCheck => {
    if (index < failedAt) return { key, status: 'pass', reasonCode: '', message: '' };
    if (index === failedAt) return { key, status: 'fail', reasonCode: cls.reasonCode, message: failure.message };
    return { key, status: 'skip', reasonCode: '', message: 'not run' };
  });
  return {
    status: cls.status,
    reasonCode: cls.reasonCode,
    retryable: cls.retryable,
    retryAfterMs: cls.retryable ? Math.max(0, Math.round(failure.retryAfterMs)) : 0,
    consent: cls.consent ?? (failedAt > 1 ? 'granted' : undefined),
    missingPermissions: [],
    checks,
    message: failure.message,
  };
}

/** A check that reached the provider all the way: the verdict depends on the granted permissions. */
export function completedReport(
  type: ConnectionType,
  required: RequiredPermissions,
  organization: ProviderOrganization,
  granted: Pick<GrantedPermissions, 'application' | 'delegated'>,
): VerificationReport {
  const verdict = permissionVerdict(type, required, granted);
  const missingPermissions = [...verdict.missingRequired, ...verdict.missingRecommended];
  const status: CheckStatus = verdict.result === 'fail' ? 'blocked' : verdict.result === 'warn' ? 'degraded' : 'healthy';
  const reasonCode = verdict.result === 'pass' ? '' : 'PROVIDER.PERMISSION_MISSING';
  const message =
    verdict.result === 'pass'
      ? `connected to ${organization.displayName}`
      : `missing ${verdict.result === 'fail' ? 'required' : 'recommended'} permissions: ${missingPermissions.join(', ')}`;
  return {
    status,
    reasonCode,
    retryable: false,
    retryAfterMs: 0,
    consent: 'granted',
    missingPermissions,
    granted,
    message,
    checks: [
      { key: 'provider.token', status: 'pass', reasonCode: '', message: '' },
      { key: 'provider.consent', status: 'pass', reasonCode: '', message: '' },
      { key: 'provider.organization', status: 'pass', reasonCode: '', message: organization.displayName },
      {
        key: 'provider.permissions',
        status: verdict.result,
        reasonCode,
        message: verdict.result === 'pass' ? '' : message,
      },
    ],
  };
}

/** A check that never reached the provider because of the connection's own state. */
export function localBlockReport(reasonCode: 'CONNECTION.DISABLED' | 'CONNECTION.CREDENTIAL_MISSING' | 'CONNECTION.CREDENTIAL_UNREADABLE', message: string): VerificationReport {
  return {
    status: reasonCode === 'CONNECTION.CREDENTIAL_UNREADABLE' ? 'error' : 'blocked',
    reasonCode,
    retryable: false,
    retryAfterMs: 0,
    missingPermissions: [],
    message,
    checks: ORDER.map((key, index) =>
      index === 0 ? { key, status: 'fail', reasonCode, message } : { key, status: 'skip', reasonCode: '', message: 'not run' },
    ),
  };
}
