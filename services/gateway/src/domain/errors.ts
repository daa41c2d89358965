import { defineErrors } from '@tenantatlas/core';

/**
 * Every error the gateway raises itself: its stable code and the kind the HTTP table maps to a
 * status. Errors of the services behind it pass through as they arrive.
 */
export const gatewayError = defineErrors({
  'AUTH.UNAUTHENTICATED': 'unauthenticated',
  'AUTH.INVALID_TOKEN': 'unauthenticated',
  'AUTH.INVALID_CREDENTIALS': 'unauthenticated',
  'AUTH.CSRF_TOKEN_INVALID': 'permission_denied',
  'REQUEST.INVALID': 'invalid_argument',
  'REQUEST.MALFORMED_JSON': 'invalid_argument',
  'REQUEST.TENANT_REQUIRED': 'invalid_argument',
  'REQUEST.RATE_LIMITED': 'resource_exhausted',
  'WORKSPACE.NOT_FOUND': 'not_found',
  'TENANT.NOT_FOUND': 'not_found',
  'ACCESS.CAPABILITY_MISSING': 'permission_denied',
  'ACCESS.TENANT_SCOPE_LIMITED': 'permission_denied',
  'MEMBER.ROLE_TOO_HIGH': 'permission_denied',
  'MEMBER.SCOPE_TOO_WIDE': 'permission_denied',
  'MEMBER.LAST_OWNER': 'conflict',
  // Another change of the same member kept winning while this one was decided again and again.
  'MEMBER.CONFLICT': 'conflict',
  'INVITATION.NOT_FOUND': 'not_found',
  'DOWNSTREAM.UNAVAILABLE': 'unavailable',
  // A resource of a tenant outside the member's scope is answered with the owning service's own
  // "not found", so a limited member cannot tell it from a random id.
  'DRAFT.NOT_FOUND': 'not_found',
  'RUN.NOT_FOUND': 'not_found',
  'CONNECTION.NOT_FOUND': 'not_found',
});

/** A backend service the gateway could not reach (or has no address for): one clear 503 naming it. */
export const downstreamUnavailable = (service: string, why: string) =>
  gatewayError('DOWNSTREAM.UNAVAILABLE', `the ${service} service is ${why}; try again shortly`, { service });
