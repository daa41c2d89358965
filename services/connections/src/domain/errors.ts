import { defineErrors } from '@tenantatlas/core';

/** Every error the connections service raises: its stable code and the kind transports map to a status. */
export const connectionError = defineErrors({
  'CONNECTION.WORKSPACE_REQUIRED': 'invalid_argument',
  'CONNECTION.TENANT_REQUIRED': 'invalid_argument',
  'CONNECTION.ID_REQUIRED': 'invalid_argument',
  'CONNECTION.ACTOR_REQUIRED': 'invalid_argument',
  'CONNECTION.INVALID_PROVIDER': 'invalid_argument',
  'CONNECTION.INVALID_CONNECTION_TYPE': 'invalid_argument',
  'CONNECTION.INVALID_DISPLAY_NAME': 'invalid_argument',
  'CONNECTION.INVALID_CLIENT_ID': 'invalid_argument',
  'CONNECTION.INVALID_TARGET_TENANT': 'invalid_argument',
  'CONNECTION.INVALID_SECRET': 'invalid_argument',
  'CONNECTION.INVALID_CONSENT_STATUS': 'invalid_argument',
  'CONNECTION.INVALID_PAGE_SIZE': 'invalid_argument',
  'CONNECTION.INVALID_PAGE_TOKEN': 'invalid_argument',
  'CONNECTION.INVALID_RESOURCE': 'invalid_argument',
  'CONNECTION.DEFAULT_DISABLED': 'invalid_argument',
  'CONNECTION.NOT_FOUND': 'not_found',
  'CONNECTION.DEFAULT_EXISTS': 'already_exists',
  'CONNECTION.CONFLICT': 'conflict',
  'CONNECTION.DISABLED': 'failed_precondition',
  'CONNECTION.PROVIDER_UNSUPPORTED': 'failed_precondition',
  'CONNECTION.CREDENTIAL_MISSING': 'failed_precondition',
  'CONNECTION.CREDENTIAL_UNREADABLE': 'failed_precondition',
  // the tenant is onboarding's; these are its answers, as a create for it is refused
  'TENANT.NOT_FOUND': 'not_found',
  'TENANT.ARCHIVED': 'failed_precondition',
  // a provider failure during an inventory read, with the kind a worker branches on (retry or not)
  'PROVIDER.THROTTLED': 'resource_exhausted',
  'PROVIDER.UNAVAILABLE': 'unavailable',
  'PROVIDER.TIMEOUT': 'unavailable',
  'PROVIDER.CONSENT_MISSING': 'failed_precondition',
  'PROVIDER.PERMISSION_MISSING': 'failed_precondition',
  'PROVIDER.CREDENTIAL_INVALID': 'failed_precondition',
  'PROVIDER.TENANT_NOT_FOUND': 'failed_precondition',
  'PROVIDER.INVALID_PAGE_TOKEN': 'invalid_argument',
  'PROVIDER.UNEXPECTED_RESPONSE': 'unavailable',
});

export type ConnectionErrorCode = (typeof connectionError.codes)[number];
/** The reason codes of provider failures. */
export type ProviderReasonCode = Extract<ConnectionErrorCode, `PROVIDER.${string}`>;
