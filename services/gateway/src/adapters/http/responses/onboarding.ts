import { z } from '@tenantatlas/core';
import { actorSchema } from './common';
import { pageOf, text, timestamp } from './present';

export const TENANT_STATUSES = ['draft', 'onboarding', 'active', 'archived'] as const;

export const tenantSchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    external_tenant_id: text(),
    name: z.string(),
    primary_domain: text(),
    status: z.enum(TENANT_STATUSES),
    operability: z
      .object({
        can_onboard: z.boolean(),
        can_run_operations: z.boolean(),
        can_select_as_context: z.boolean(),
        can_archive: z.boolean(),
        can_restore: z.boolean(),
        can_edit: z.boolean(),
      })
      .nullable(),
    version: z.number().int(),
    created_at: timestamp(),
    updated_at: timestamp(),
    activated_at: timestamp(),
    archived_at: timestamp(),
  })
  ;

const bootstrapRunSchema = z.object({ type: z.string(), run_id: text(), status: text(), outcome: text(), reason_code: text() });
const nextActionSchema = z.object({ kind: z.string(), label: text(), run_id: text() }).nullable();

export const draftSchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    tenant_id: text().describe('null until the tenant is identified'),
    external_tenant_id: text(),
    tenant_name: text(),
    primary_domain: text(),
    current_step: z.string(),
    version: z.number().int(),
    lifecycle_state: z.string(),
    current_checkpoint: text(),
    last_completed_checkpoint: text(),
    reason_code: text(),
    blocking_reason_code: text(),
    completed_at: timestamp(),
    cancelled_at: timestamp(),
    cancel_reason: text(),
    started_by: actorSchema,
    updated_by: actorSchema,
    created_at: timestamp(),
    updated_at: timestamp(),
    state: z
      .object({
        selected_connection_id: text(),
        verification_run_id: text(),
        verification_connection_id: text(),
        bootstrap_types: z.array(z.string()),
        bootstrap_runs: z.array(bootstrapRunSchema),
        connection_recently_updated: z.boolean(),
      })
      .nullable(),
    activation_override: z
      .object({ reason: text(), actor: actorSchema, at: timestamp(), overridden_state: text(), overridden_reason_code: text() })
      .nullable()
      .describe('set when the draft was activated with an override'),
  })
  ;

const readinessSchema = z
  .object({
    draft_id: z.string(),
    version: z.number().int(),
    lifecycle_state: z.string(),
    current_checkpoint: text(),
    last_completed_checkpoint: text(),
    ready: z.boolean(),
    provider: z
      .object({
        connection_id: text(),
        display_name: text(),
        provider: text(),
        consent_status: text(),
        verification_status: text(),
        enabled: z.boolean(),
        is_default: z.boolean(),
        summary: text(),
      })
      .nullable(),
    verification: z
      .object({
        status: text(),
        run_id: text(),
        outcome: text(),
        reason_code: text(),
        is_active: z.boolean(),
        matches_selected_connection: z.boolean(),
      })
      .nullable(),
    bootstrap: z.array(bootstrapRunSchema),
    freshness: z
      .object({
        connection_recently_updated: z.boolean(),
        verification_mismatch: z.boolean(),
        permission_last_refreshed_at: timestamp(),
        permission_data_is_stale: z.boolean(),
      })
      .nullable(),
    blocker: z.object({ reason_code: text(), blocking_reason_code: text(), operator_summary: text() }).nullable(),
    next_action: nextActionSchema,
    from_stored_evidence: z.boolean(),
  })
  ;

export const tenantResponse = z.object({ tenant: tenantSchema });
export const tenantPage = pageOf('tenants', tenantSchema);
export const draftResponse = z.object({ draft: draftSchema });
export const draftPage = pageOf(
  'drafts',
  z.object({
    draft: draftSchema,
    readiness: z
      .object({ lifecycle_state: z.string(), stage_label: text(), ready: z.boolean(), blocking_reason_code: text(), next_action: nextActionSchema })
      .nullable(),
  }),
);
export const readinessResponse = z.object({ readiness: readinessSchema });
export const identifiedResponse = z.object({ draft: draftSchema, tenant: tenantSchema.nullable(), resumed: z.boolean(), tenant_created: z.boolean() });
export const connectionSelectedResponse = z.object({ draft: draftSchema, connection_id: z.string(), is_default: z.boolean(), created: z.boolean() });
export const verificationStartedResponse = z.object({ draft: draftSchema, run_id: z.string(), run_status: z.string(), deduplicated: z.boolean() });
export const bootstrapStartedResponse = z.object({
  draft: draftSchema,
  runs: z.array(z.object({ type: z.string(), run_id: z.string(), run_status: z.string(), deduplicated: z.boolean() })),
});
export const activatedResponse = z.object({ draft: draftSchema, tenant: tenantSchema.nullable() });
