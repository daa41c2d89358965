import { defineErrors } from '@tenantatlas/core';

/** Every error the operations service raises: its stable code and the kind transports map to a status. */
export const runError = defineErrors({
  'RUN.WORKSPACE_REQUIRED': 'invalid_argument',
  'RUN.ACTOR_REQUIRED': 'invalid_argument',
  'RUN.UNKNOWN_TYPE': 'invalid_argument',
  'RUN.TENANT_REQUIRED': 'invalid_argument',
  'RUN.SUBJECT_REQUIRED': 'invalid_argument',
  'RUN.SUBJECT_NOT_ALLOWED': 'invalid_argument',
  'RUN.INVALID_ID': 'invalid_argument',
  'RUN.ID_REQUIRED': 'invalid_argument',
  'RUN.CONTEXT_KEY_NOT_ALLOWED': 'invalid_argument',
  'RUN.CONTEXT_INVALID': 'invalid_argument',
  'RUN.IDEMPOTENCY_KEY_INVALID': 'invalid_argument',
  /** the same idempotency key sent with another tenant, type or subject */
  'RUN.IDEMPOTENCY_KEY_REUSED': 'invalid_argument',
  'RUN.INVALID_PAGE_TOKEN': 'invalid_argument',
  'RUN.INVALID_PAGE_SIZE': 'invalid_argument',
  'RUN.INVALID_FILTER': 'invalid_argument',
  'RUN.INVALID_TIME': 'invalid_argument',
  'RUN.INVALID_LIMIT': 'invalid_argument',
  /** a missing run and another workspace's run alike */
  'RUN.NOT_FOUND': 'not_found',
  /** a missing connection, another tenant's and another workspace's alike */
  'RUN.SUBJECT_NOT_FOUND': 'not_found',
  /** a tenant onboarding does not know in the workspace (the same words for another workspace's) */
  'TENANT.NOT_FOUND': 'not_found',
  'TENANT.ARCHIVED': 'failed_precondition',
  'RUN.NOT_COMPLETED': 'failed_precondition',
  'RUN.ALREADY_COMPLETED': 'failed_precondition',
  /** the run was started and completed while this start raced it, more often than a start retries */
  'RUN.START_CONTENDED': 'conflict',
});

export type RunErrorCode = (typeof runError.codes)[number];
