import { DomainError, conflict, failedPrecondition, invalidArgument, notFound } from '@tenantatlas/shared';

/** Every error the onboarding service raises, with its stable code. */
export const draftErrors = {
  notFound: (draftId: string) => notFound('DRAFT.NOT_FOUND', 'onboarding draft not found', { draftId }),
  versionConflict: (currentVersion: number, expectedVersion: number) =>
    conflict(
      'DRAFT.VERSION_CONFLICT',
      `the draft was changed by someone else (version ${currentVersion}, you had ${expectedVersion}); reload it and try again`,
      { currentVersion, expectedVersion },
    ),
  terminal: (draftId: string, lifecycleState: string) =>
    failedPrecondition('DRAFT.TERMINAL', `the draft is ${lifecycleState} and can no longer change`, { draftId, lifecycleState }),
  tenantNotIdentified: () => failedPrecondition('DRAFT.TENANT_NOT_IDENTIFIED', 'identify the tenant first'),
  tenantAlreadyIdentified: (externalTenantId: string) =>
    failedPrecondition(
      'DRAFT.TENANT_ALREADY_IDENTIFIED',
      'this draft already onboards another tenant; cancel it and start a new draft',
      { externalTenantId },
    ),
  connectionNotSelected: () => failedPrecondition('DRAFT.CONNECTION_NOT_SELECTED', 'select a provider connection first'),
  verificationNotSucceeded: () =>
    failedPrecondition('DRAFT.VERIFICATION_REQUIRED', 'bootstrap needs a successful verification of the selected connection'),
  stepNotReachable: (step: string, maxStep: string) =>
    failedPrecondition('DRAFT.STEP_NOT_REACHABLE', `step ${step} is not reachable yet (furthest: ${maxStep})`, { step, maxStep }),
  notReady: (reasonCode: string, nextAction: string) =>
    failedPrecondition('DRAFT.NOT_READY', 'onboarding is not ready for activation', { reasonCode, nextAction }),
};

export const tenantErrors = {
  notFound: (tenantId: string) => notFound('TENANT.NOT_FOUND', 'tenant not found', { tenantId }),
  versionConflict: (currentVersion: number, expectedVersion: number) =>
    conflict('TENANT.VERSION_CONFLICT', `the tenant was changed by someone else (version ${currentVersion}, you had ${expectedVersion})`, {
      currentVersion,
      expectedVersion,
    }),
  alreadyActive: (tenantId: string) =>
    new DomainError('TENANT.ALREADY_ACTIVE', 'already_exists', 'this tenant is already onboarded and active', { tenantId }),
  archived: (tenantId: string) => failedPrecondition('TENANT.ARCHIVED', 'this tenant is archived; restore it first', { tenantId }),
  onboardingInProgress: (tenantId: string, draftId: string) =>
    new DomainError('TENANT.ONBOARDING_IN_PROGRESS', 'already_exists', 'this tenant already has an open onboarding draft', {
      tenantId,
      draftId,
    }),
  transitionNotAllowed: (status: string, transition: string) =>
    failedPrecondition('TENANT.TRANSITION_NOT_ALLOWED', `cannot ${transition.replace('_', ' ')} a ${status} tenant`, { status, transition }),
};

export const inputErrors = {
  required: (field: string) => invalidArgument('INPUT.REQUIRED', `${field} is required`, { field }),
  invalid: (field: string, message: string) => invalidArgument('INPUT.INVALID', `${field}: ${message}`, { field }),
};
