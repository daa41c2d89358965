import { defineErrors } from '@tenantatlas/core';

/** Every error the audit service raises: its stable code and the kind transports map to a status. */
export const auditError = defineErrors({
  'AUDIT.WORKSPACE_REQUIRED': 'invalid_argument',
  'AUDIT.INVALID_FILTER': 'invalid_argument',
  'AUDIT.INVALID_PAGE_SIZE': 'invalid_argument',
  'AUDIT.INVALID_PAGE_TOKEN': 'invalid_argument',
  'AUDIT.EVENT_NOT_FOUND': 'not_found',
});
// raise: throw auditError('AUDIT.EVENT_NOT_FOUND', 'no such audit event', { eventId });
