import { defineErrors } from '@tenantatlas/core';

/** Every error the onboarding service raises: its stable code and the kind transports map to a status. */
export const onboardingError = defineErrors({
  'DRAFT.NOT_FOUND': 'not_found',
  'DRAFT.VERSION_CONFLICT': 'conflict',
  'DRAFT.TERMINAL': 'failed_precondition',
  'DRAFT.TENANT_NOT_IDENTIFIED': 'failed_precondition',
  'DRAFT.TENANT_ALREADY_IDENTIFIED': 'failed_precondition',
  'DRAFT.CONNECTION_NOT_SELECTED': 'failed_precondition',
  'DRAFT.VERIFICATION_REQUIRED': 'failed_precondition',
  'DRAFT.STEP_NOT_REACHABLE': 'failed_precondition',
  'DRAFT.NOT_READY': 'failed_precondition',
  // a draft whose revision kept moving under every attempt of a write; retrying later succeeds
  'DRAFT.CONTENDED': 'unavailable',
  'TENANT.NOT_FOUND': 'not_found',
  'TENANT.VERSION_CONFLICT': 'conflict',
  'TENANT.ALREADY_ACTIVE': 'already_exists',
  'TENANT.ARCHIVED': 'failed_precondition',
  'TENANT.ONBOARDING_IN_PROGRESS': 'already_exists',
  'TENANT.TRANSITION_NOT_ALLOWED': 'failed_precondition',
  // a tenant whose version kept moving under every attempt of a system transition; retrying later succeeds
  'TENANT.CONTENDED': 'unavailable',
  'CONNECTION.NOT_FOUND': 'not_found',
  // the operations or connections service could not answer a read a decision depends on
  'DEPENDENCY.UNAVAILABLE': 'unavailable',
  'INPUT.REQUIRED': 'invalid_argument',
  'INPUT.INVALID': 'invalid_argument',
  'PAGE.INVALID_TOKEN': 'invalid_argument',
});
export type OnboardingErrorCode = (typeof onboardingError.codes)[number];

/** The draft errors with their user-facing messages. */
export const draftErrors = {
  notFound: (draftId: string) => onboardingError('DRAFT.NOT_FOUND', 'onboarding draft not found', { draftId }),
  versionConflict: (currentVersion: number, expectedVersion: number) =>
    onboardingError(
      'DRAFT.VERSION_CONFLICT',
      `the draft was changed by someone else (version ${currentVersion}, you had ${expectedVersion}); reload it and try again`,
      { currentVersion, expectedVersion },
    ),
  terminal: (draftId: string, lifecycleState: string) =>
    onboardingError('DRAFT.TERMINAL', `the draft is ${lifecycleState} and can no longer change`, { draftId, lifecycleState }),
  tenantNotIdentified: () => onboardingError('DRAFT.TENANT_NOT_IDENTIFIED', 'identify the tenant first'),
  tenantAlreadyIdentified: (externalTenantId: string) =>
    onboardingError(
      'DRAFT.TENANT_ALREADY_IDENTIFIED',
      'this draft already onboards another tenant; cancel it and start a new draft',
      { externalTenantId },
    ),
  connectionNotSelected: () => onboardingError('DRAFT.CONNECTION_NOT_SELECTED', 'select a provider connection first'),
  verificationNotSucceeded: () =>
    onboardingError('DRAFT.VERIFICATION_REQUIRED', 'bootstrap needs a successful verification of the selected connection'),
  stepNotReachable: (step: string, maxStep: string) =>
    onboardingError('DRAFT.STEP_NOT_REACHABLE', `step ${step} is not reachable yet (furthest: ${maxStep})`, { step, maxStep }),
  notReady: (reasonCode: string, nextAction: string) =>
    onboardingError('DRAFT.NOT_READY', 'onboarding is not ready for activation', { reasonCode, nextAction }),
  contended: () => onboardingError('DRAFT.CONTENDED', 'the draft is changing too often right now; try again'),
};

/** The tenant errors with their user-facing messages. */
export const tenantErrors = {
  notFound: (tenantId: string) => onboardingError('TENANT.NOT_FOUND', 'tenant not found', { tenantId }),
  versionConflict: (currentVersion: number, expectedVersion: number) =>
    onboardingError('TENANT.VERSION_CONFLICT', `the tenant was changed by someone else (version ${currentVersion}, you had ${expectedVersion})`, {
      currentVersion,
      expectedVersion,
    }),
  alreadyActive: (tenantId: string) => onboardingError('TENANT.ALREADY_ACTIVE', 'this tenant is already onboarded and active', { tenantId }),
  archived: (tenantId: string) => onboardingError('TENANT.ARCHIVED', 'this tenant is archived; restore it first', { tenantId }),
  onboardingInProgress: (tenantId: string, draftId: string) =>
    onboardingError('TENANT.ONBOARDING_IN_PROGRESS', 'this tenant already has an open onboarding draft', { tenantId, draftId }),
  transitionNotAllowed: (status: string, transition: string) =>
    onboardingError('TENANT.TRANSITION_NOT_ALLOWED', `cannot ${transition.replace('_', ' ')} a ${status} tenant`, { status, transition }),
  contended: () => onboardingError('TENANT.CONTENDED', 'the tenant is changing too often right now; try again'),
};

/** Errors of the peers onboarding reads from, as onboarding reports them. */
export const peerErrors = {
  connectionNotFound: (connectionId: string) => onboardingError('CONNECTION.NOT_FOUND', 'provider connection not found', { connectionId }),
  unavailable: () =>
    onboardingError('DEPENDENCY.UNAVAILABLE', 'cannot read the verification run or the connection right now; try again'),
};

export const inputErrors = {
  required: (field: string) => onboardingError('INPUT.REQUIRED', `${field} is required`, { field }),
  invalid: (field: string, message: string) => onboardingError('INPUT.INVALID', `${field}: ${message}`, { field }),
  pageToken: () => onboardingError('PAGE.INVALID_TOKEN', 'page_token is not one this service issued', { field: 'page.page_token' }),
};
