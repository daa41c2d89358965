import { z } from '@tenantatlas/core';
import type { OnboardingPort } from '../../grpc/downstream';
import { booleanQuery, domainName, expectedVersion, guid, id, reply, route, words, type RouteContext, type RouteDef } from '../route';
import {
  TENANT_STATUSES,
  activatedResponse,
  bootstrapStartedResponse,
  connectionSelectedResponse,
  draftPage,
  draftResponse,
  identifiedResponse,
  readinessResponse,
  tenantPage,
  tenantResponse,
  verificationStartedResponse,
} from '../responses/onboarding';
import { CONNECTION_CHECK_RUN_TYPE, newConnection } from './connections-routes';
import { listRoute, requireDraftInScope, resourceRoute, requireUnlimitedScope } from './scope';

const draftParams = z.object({ workspaceId: id, draftId: id });
const tenantParams = z.object({ workspaceId: id, tenantId: id });
const STEPS = ['identify', 'connect', 'verify', 'bootstrap', 'complete'] as const;

/** A run type to bootstrap with; the verification is a step of its own, never a bootstrap. */
const bootstrapType = id
  .refine((type) => type !== CONNECTION_CHECK_RUN_TYPE, `${CONNECTION_CHECK_RUN_TYPE} is the verification, not a bootstrap`)
  .meta({ not: { const: CONNECTION_CHECK_RUN_TYPE } });

export function onboardingRoutes(onboarding: OnboardingPort): RouteDef[] {
  const draftAction = <B extends z.ZodType>(
    action: string,
    summary: string,
    body: B,
    call: (base: { workspace_id: string; actor: object; draft_id: string }, body: z.output<B>, ctx: RouteContext<unknown, unknown, unknown>) => Promise<unknown>,
    response: z.ZodType = draftResponse,
    capability: 'onboarding.manage' | 'onboarding.activate' = 'onboarding.manage',
  ) =>
    route({
      method: 'post',
      path: `/api/workspaces/{workspaceId}/drafts/{draftId}/${action}`,
      summary,
      tag: 'onboarding',
      auth: 'workspace',
      capability,
      params: draftParams,
      body,
      success: { status: 200, body: response },
      async handler(ctx) {
        await requireDraftInScope(ctx, onboarding, ctx.params.draftId);
        return call({ workspace_id: ctx.workspaceId, actor: ctx.actor, draft_id: ctx.params.draftId }, ctx.body as z.output<B>, ctx);
      },
    });
  /** A change of a tenant's lifecycle, with the version last read; the tenant must be in scope. */
  const tenantAction = <B extends z.ZodObject<z.ZodRawShape>>(
    action: 'archive' | 'restore',
    summary: string,
    body: B,
    call: (request: { workspace_id: string; actor: object; tenant_id: string } & z.output<B>) => Promise<unknown>,
  ) =>
    route({
      method: 'post',
      path: `/api/workspaces/{workspaceId}/tenants/{tenantId}/${action}`,
      summary,
      tag: 'tenants',
      auth: 'workspace',
      capability: 'onboarding.manage',
      tenantParam: 'tenantId',
      params: tenantParams,
      body,
      success: { status: 200, body: tenantResponse },
      async handler(ctx) {
        return call({ workspace_id: ctx.workspaceId, actor: ctx.actor, tenant_id: ctx.params.tenantId, ...(ctx.body as z.output<B>) });
      },
    });

  return [
    listRoute({
      path: '/api/workspaces/{workspaceId}/tenants',
      summary: 'Managed tenants (only those in your scope)',
      tag: 'tenants',
      capability: 'tenant.view',
      filters: { status: z.enum(TENANT_STATUSES).optional() },
      success: tenantPage,
      items: 'tenants',
      pageSize: 100,
      fetch: ({ workspaceId, query }, page) => onboarding.ListTenants({ workspace_id: workspaceId, status: query.status ?? '', page }),
      tenantOf: (t) => t.id,
    }),
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/tenants/{tenantId}',
      summary: 'One managed tenant with its operability',
      tag: 'tenants',
      auth: 'workspace',
      capability: 'tenant.view',
      tenantParam: 'tenantId',
      params: tenantParams,
      success: { status: 200, body: tenantResponse },
      async handler(ctx) {
        return onboarding.GetTenant({ workspace_id: ctx.workspaceId, tenant_id: ctx.params.tenantId });
      },
    }),
    tenantAction('archive', 'Archive a tenant', z.object({ expected_version: expectedVersion, reason: words(500) }), (request) =>
      onboarding.ArchiveTenant(request),
    ),
    tenantAction('restore', 'Restore an archived tenant', z.object({ expected_version: expectedVersion }), (request) =>
      onboarding.RestoreTenant(request),
    ),
    listRoute({
      path: '/api/workspaces/{workspaceId}/drafts',
      summary: 'Onboarding drafts with compact readiness (the draft picker)',
      tag: 'onboarding',
      capability: 'tenant.view',
      filters: { tenantId: id.optional(), includeTerminal: booleanQuery.optional() },
      success: draftPage,
      items: 'drafts',
      pageSize: 100,
      fetch: ({ workspaceId, query }, page) =>
        onboarding.ListDrafts({ workspace_id: workspaceId, tenant_id: query.tenantId ?? '', include_terminal: query.includeTerminal ?? false, page }),
      tenantOf: (d) => d.draft?.tenant_id,
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/drafts',
      summary: 'Start a new onboarding draft (no tenant yet)',
      tag: 'onboarding',
      auth: 'workspace',
      capability: 'onboarding.manage',
      success: { status: 201, body: draftResponse },
      async handler(ctx) {
        requireUnlimitedScope(ctx);
        return reply(201, await onboarding.CreateDraft({ workspace_id: ctx.workspaceId, actor: ctx.actor }));
      },
    }),
    resourceRoute({
      path: '/api/workspaces/{workspaceId}/drafts/{draftId}',
      summary: 'One onboarding draft',
      tag: 'onboarding',
      capability: 'tenant.view',
      params: draftParams,
      success: draftResponse,
      kind: 'draft',
      fetch: (workspaceId, { draftId }) => onboarding.GetDraft({ workspace_id: workspaceId, draft_id: draftId }),
      tenantOf: (res) => res.draft?.tenant_id,
    }),
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/drafts/{draftId}/readiness',
      summary: 'Readiness from backend truth and the single next action',
      tag: 'onboarding',
      auth: 'workspace',
      capability: 'tenant.view',
      params: draftParams,
      success: { status: 200, body: readinessResponse },
      async handler(ctx) {
        await requireDraftInScope(ctx, onboarding, ctx.params.draftId);
        return onboarding.GetReadiness({ workspace_id: ctx.workspaceId, draft_id: ctx.params.draftId });
      },
    }),
    draftAction(
      'identify',
      'Identify the tenant (step 1); converges on one tenant per external id',
      z.object({
        expected_version: expectedVersion,
        external_tenant_id: z.union([guid, domainName]),
        name: words(200),
        primary_domain: z.union([domainName, z.literal('')]).optional(),
      }),
      (base, body, ctx) => {
        requireUnlimitedScope(ctx);
        return onboarding.IdentifyTenant({ ...base, ...body, primary_domain: body.primary_domain ?? '' });
      },
      identifiedResponse,
    ),
    draftAction(
      'connection',
      'Select a provider connection, or create one (step 2)',
      z
        .object({
          expected_version: expectedVersion,
          connection_id: id.optional(),
          new_connection: newConnection.extend({ display_name: words(120).optional() }).optional(),
        })
        .refine((b) => (b.connection_id === undefined) !== (b.new_connection === undefined), 'give exactly one of connection_id / new_connection')
        .meta({ oneOf: [{ required: ['connection_id'] }, { required: ['new_connection'] }] }),
      (base, body, ctx) => {
        if (body.new_connection) ctx.requireCapability('connection.manage');
        return onboarding.SelectConnection({ ...base, ...body });
      },
      connectionSelectedResponse,
    ),
    draftAction('verification', 'Start (or reuse) the verification run (step 3)', z.object({ expected_version: expectedVersion }), (base, body) =>
      onboarding.StartVerification({ ...base, ...body }),
      verificationStartedResponse,
    ),
    draftAction(
      'bootstrap',
      'Start bootstrap runs (step 4)',
      z.object({
        expected_version: expectedVersion,
        types: z
          .array(bootstrapType)
          .min(1)
          .max(20)
          .refine((types) => new Set(types).size === types.length, 'each type at most once')
          .meta({ uniqueItems: true }),
      }),
      (base, body) => onboarding.StartBootstrap({ ...base, ...body }),
      bootstrapStartedResponse,
    ),
    draftAction('step', 'Move the wizard to another step', z.object({ expected_version: expectedVersion, step: z.enum(STEPS) }), (base, body) =>
      onboarding.SetCurrentStep({ ...base, ...body }),
    ),
    draftAction(
      'cancel',
      'Cancel the draft',
      z.object({ expected_version: expectedVersion, reason: z.string().max(500).trim().optional() }),
      (base, body) => onboarding.CancelDraft({ ...base, ...body, reason: body.reason ?? '' }),
    ),
    draftAction(
      'activate',
      'Complete onboarding (step 5); override needs onboarding.activate.override and a reason',
      // an override always names its reason
      z
        .object({ expected_version: expectedVersion, override: z.boolean().optional(), override_reason: z.string().max(500).optional() })
        .refine((b) => !b.override || /\S/.test(b.override_reason ?? ''), { message: 'an override names its reason', path: ['override_reason'] })
        .meta({
          if: { properties: { override: { const: true } }, required: ['override'] },
          then: { properties: { override_reason: { pattern: '\\S' } }, required: ['override_reason'] },
        }),
      (base, body, ctx) => {
        if (body.override) ctx.requireCapability('onboarding.activate.override');
        return onboarding.Activate({ ...base, ...body, override_reason: body.override ? body.override_reason!.trim() : '' });
      },
      activatedResponse,
      'onboarding.activate',
    ),
  ];
}
