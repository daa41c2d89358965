import { z } from 'zod';
import { eventData, flatSummary, nullableString } from './data';
import type { EventSpec } from './spec';

const draftBase = {
  draftId: z.string().min(1),
  version: z.number().int(),
  before: flatSummary.optional(),
  after: flatSummary.optional(),
};
const draft = (description: string, extra: z.ZodRawShape = {}) => eventData({ ...draftBase, ...extra }, description);

const tenant = (description: string) =>
  eventData(
    {
      tenantId: z.string().min(1),
      externalTenantId: nullableString,
      version: z.number().int(),
      before: flatSummary.optional(),
      after: flatSummary.optional(),
    },
    description,
  );

const drafts = 'draft/<draftId>';
const tenants = 'tenant/<tenantId>';

/** Onboarding's lifecycle events: a draft's operator actions, lifecycle and checkpoints; tenants. */
export const ONBOARDING_EVENTS = [
  { type: 'tenantatlas.onboarding.draft.created', subject: drafts, data: draft('A draft was started.') },
  { type: 'tenantatlas.onboarding.draft.tenant_identified', subject: drafts, data: draft('The draft names its tenant.') },
  { type: 'tenantatlas.onboarding.draft.connection_selected', subject: drafts, data: draft('A provider connection was chosen for the draft.') },
  { type: 'tenantatlas.onboarding.draft.verification_started', subject: drafts, data: draft('A verification run was requested for the draft.') },
  { type: 'tenantatlas.onboarding.draft.bootstrap_started', subject: drafts, data: draft('Bootstrap runs were requested for the draft.') },
  { type: 'tenantatlas.onboarding.draft.step_changed', subject: drafts, data: draft('The operator moved to another wizard step.') },
  { type: 'tenantatlas.onboarding.draft.completed', subject: drafts, data: draft('The draft was completed (possibly by override).') },
  { type: 'tenantatlas.onboarding.draft.cancelled', subject: drafts, data: draft('The draft was cancelled.') },
  {
    type: 'tenantatlas.onboarding.draft.lifecycle_changed',
    subject: drafts,
    data: draft('Evidence changed the draft\'s lifecycle state.', { reasonCode: nullableString.optional() }),
  },
  {
    type: 'tenantatlas.onboarding.draft.checkpoint_completed',
    subject: drafts,
    data: draft('A checkpoint of the draft was completed.', { checkpoint: z.string().min(1) }),
  },
  {
    type: 'tenantatlas.onboarding.draft.checkpoint_reopened',
    subject: drafts,
    data: draft('Evidence reopened a completed checkpoint.', { checkpoint: z.string().optional(), reasonCode: nullableString.optional() }),
  },
  { type: 'tenantatlas.onboarding.tenant.created', subject: tenants, data: tenant('A tenant was created.') },
  { type: 'tenantatlas.onboarding.tenant.onboarding_started', subject: tenants, data: tenant('Onboarding of the tenant started.') },
  { type: 'tenantatlas.onboarding.tenant.activated', subject: tenants, data: tenant('The tenant became active.') },
  { type: 'tenantatlas.onboarding.tenant.archived', subject: tenants, data: tenant('The tenant was archived.') },
  { type: 'tenantatlas.onboarding.tenant.restored', subject: tenants, data: tenant('The tenant was restored from the archive.') },
] as const satisfies readonly EventSpec[];
