import type { ConnectionType, GrantedPermissions } from './connection';

/** Permission data older than this is stale and must be refreshed before it is trusted. */
export const POSTURE_STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;

export interface RequiredPermissions {
  application: string[];
  /** missing ones make a connection degraded rather than blocked */
  recommendedApplication: string[];
  delegated: string[];
}

export interface PermissionPosture {
  requiredApplication: string[];
  grantedApplication: string[];
  missingApplication: string[];
  requiredDelegated: string[];
  grantedDelegated: string[];
  missingDelegated: string[];
  lastRefreshedAt: Date | null;
  isStale: boolean;
}

const lower = (values: string[]) => new Set(values.map((v) => v.toLowerCase()));
const missing = (required: string[], granted: string[]) => {
  const have = lower(granted);
  return required.filter((p) => !have.has(p.toLowerCase()));
};

export function posture(required: RequiredPermissions, granted: GrantedPermissions | null, now: Date): PermissionPosture {
  const requiredApplication = [...required.application, ...required.recommendedApplication];
  const grantedApplication = granted?.application ?? [];
  const grantedDelegated = granted?.delegated ?? [];
  return {
    requiredApplication,
    grantedApplication,
    missingApplication: missing(requiredApplication, grantedApplication),
    requiredDelegated: required.delegated,
    grantedDelegated,
    missingDelegated: missing(required.delegated, grantedDelegated),
    lastRefreshedAt: granted?.refreshedAt ?? null,
    isStale: !granted || now.getTime() - granted.refreshedAt.getTime() > POSTURE_STALE_AFTER_MS,
  };
}

export interface PermissionVerdict {
  /** pass: everything needed is granted; warn: only recommended ones are missing; fail: a required one is missing */
  result: 'pass' | 'warn' | 'fail';
  missingRequired: string[];
  missingRecommended: string[];
}

/** Which permissions count for a connection depends on how it signs in. */
export function permissionVerdict(
  type: ConnectionType,
  required: RequiredPermissions,
  granted: Pick<GrantedPermissions, 'application' | 'delegated'>,
): PermissionVerdict {
  const missingRequired =
    type === 'application' ? missing(required.application, granted.application) : missing(required.delegated, granted.delegated);
  const missingRecommended = type === 'application' ? missing(required.recommendedApplication, granted.application) : [];
  const result = missingRequired.length > 0 ? 'fail' : missingRecommended.length > 0 ? 'warn' : 'pass';
  return { result, missingRequired, missingRecommended };
}
