import { z } from 'zod';
import { changeSummary, eventData, eventsAbout, nullableString } from './data';
import type { EventSpec } from './spec';

const draft = (description: string, extra: z.ZodRawShape = {}) =>
  eventData({ draftId: z.string().min(1), version: z.number().int(), ...changeSummary, ...extra }, description);

const tenant = (description: string) =>
  eventData({ tenantId: z.string().min(1), externalTenantId: nullableString, version: z.number().int(), ...changeSummary }, description);

/** Onboarding's lifecycle events: a draft's operator actions, lifecycle and checkpoints; tenants. */
export const ONBOARDING_EVENTS = [
  ...eventsAbout('draft/<draftId>', draft, {
    'tenantatlas.onboarding.draft.created': 'A draft was started.',
    'tenantatlas.onboarding.draft.tenant_identified': 'The draft names its tenant.',
    'tenantatlas.onboarding.draft.connection_selected': 'A provider connection was chosen for the draft.',
    'tenantatlas.onboarding.draft.verification_started': 'A verification run was requested for the draft.',
    'tenantatlas.onboarding.draft.bootstrap_started': 'Bootstrap runs were requested for the draft.',
    'tenantatlas.onboarding.draft.step_changed': 'The operator moved to another wizard step.',
    'tenantatlas.onboarding.draft.completed': 'The draft was completed (possibly by override).',
    'tenantatlas.onboarding.draft.cancelled': 'The draft was cancelled.',
    'tenantatlas.onboarding.draft.lifecycle_changed': ['Evidence changed the draft\'s lifecycle state.', { reasonCode: nullableString.optional() }],
    'tenantatlas.onboarding.draft.checkpoint_completed': ['A checkpoint of the draft was completed.', { checkpoint: z.string().min(1) }],
    'tenantatlas.onboarding.draft.checkpoint_reopened': [
      'Evidence reopened a completed checkpoint.',
      { checkpoint: z.string().optional(), reasonCode: nullableString.optional() },
    ],
  }),
  ...eventsAbout('tenant/<tenantId>', tenant, {
    'tenantatlas.onboarding.tenant.created': 'A tenant was created.',
    'tenantatlas.onboarding.tenant.onboarding_started': 'Onboarding of the tenant started.',
    'tenantatlas.onboarding.tenant.activated': 'The tenant became active.',
    'tenantatlas.onboarding.tenant.archived': 'The tenant was archived.',
    'tenantatlas.onboarding.tenant.restored': 'The tenant was restored from the archive.',
  }),
] satisfies readonly EventSpec[];
