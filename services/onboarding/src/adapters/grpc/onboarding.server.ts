import { loadProto, unary, type Logger } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/onboarding';
import type { OnboardingServiceHandlers } from '@tenantatlas/shared/proto/tenantatlas/onboarding/v1/OnboardingService';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { activate } from '../../app/activate.use-case';
import { cancelDraft } from '../../app/cancel-draft.use-case';
import { createDraft } from '../../app/create-draft.use-case';
import { getDraft, getReadiness, listDrafts } from '../../app/get-readiness.use-case';
import { identifyTenant } from '../../app/identify-tenant.use-case';
import type { OnboardingDeps } from '../../app/ports';
import { selectConnection } from '../../app/select-connection.use-case';
import { setCurrentStep } from '../../app/set-current-step.use-case';
import { startBootstrap } from '../../app/start-bootstrap.use-case';
import { startVerification } from '../../app/start-verification.use-case';
import { archiveTenant, getTenant, listTenants, restoreTenant } from '../../app/tenants.use-case';
import { LIFECYCLE_STATES, type LifecycleState } from '../../domain/draft';
import { inputErrors } from '../../domain/errors';
import { TENANT_STATUSES, type TenantStatus } from '../../domain/tenant';
import { requireId } from '../../domain/validation';
import { pageSize } from '../mongo/page-token';
import { actorFromProto, compactToProto, draftToProto, readinessToProto, tenantToProto } from './mappers';
import type { OnboardingMetrics } from './metrics';

export const ONBOARDING_SERVICE_NAME = 'tenantatlas.onboarding.v1.OnboardingService';

export function onboardingDefinition(): ServiceDefinition {
  return loadProto<ProtoGrpcType>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1.OnboardingService.service;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T | undefined {
  if (!value) return undefined;
  if (!allowed.includes(value as T)) throw inputErrors.invalid(field, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** Thin transport: validate ids, convert, call the use case, convert back. */
export function onboardingHandlers(deps: OnboardingDeps, logger: Logger, metrics: OnboardingMetrics): OnboardingServiceHandlers {
  const ws = (id: string) => requireId('workspace_id', id);
  const draftCmd = (r: { workspace_id: string; actor: Parameters<typeof actorFromProto>[0]; draft_id: string; expected_version: number }) => ({
    workspaceId: ws(r.workspace_id),
    actor: actorFromProto(r.actor),
    draftId: requireId('draft_id', r.draft_id),
    expectedVersion: r.expected_version,
  });
  const mutation = <Req, Res>(name: string, handler: (req: Req) => Promise<Res>) =>
    unary<Req, Res>(logger, (req) => metrics.track(name, () => handler(req)));

  return {
    CreateDraft: mutation('create_draft', async (r) => ({
      draft: draftToProto(await createDraft(deps, { workspaceId: ws(r.workspace_id), actor: actorFromProto(r.actor) })),
    })),
    IdentifyTenant: mutation('identify_tenant', async (r) => {
      const result = await identifyTenant(deps, {
        workspaceId: ws(r.workspace_id),
        actor: actorFromProto(r.actor),
        draftId: r.draft_id ? requireId('draft_id', r.draft_id) : '',
        expectedVersion: r.expected_version,
        externalTenantId: r.external_tenant_id,
        name: r.name,
        primaryDomain: r.primary_domain,
      });
      return { draft: draftToProto(result.draft), tenant: tenantToProto({ tenant: result.tenant, operability: result.operability }), resumed: result.resumed, tenant_created: result.tenantCreated };
    }),
    GetDraft: unary(logger, async (r) => ({ draft: draftToProto(await getDraft(deps, ws(r.workspace_id), requireId('draft_id', r.draft_id))) })),
    ListDrafts: unary(logger, async (r) => {
      const page = await listDrafts(
        deps,
        ws(r.workspace_id),
        {
          tenantId: r.tenant_id || undefined,
          lifecycleState: oneOf<LifecycleState>('lifecycle_state', r.lifecycle_state, LIFECYCLE_STATES),
          includeTerminal: r.include_terminal,
        },
        pageSize(r.page?.page_size),
        r.page?.page_token ?? '',
      );
      return {
        drafts: page.items.map((i) => ({ draft: draftToProto(i.draft), readiness: compactToProto(i.readiness) })),
        next_page_token: page.nextPageToken,
      };
    }),
    SelectConnection: mutation('select_connection', async (r) => {
      const n = r.new_connection;
      const result = await selectConnection(deps, {
        ...draftCmd(r),
        connectionId: r.connection_id,
        newConnection: n
          ? {
              displayName: n.display_name,
              connectionType: n.connection_type,
              clientId: n.client_id,
              targetTenantId: n.target_tenant_id,
              clientSecret: n.client_secret,
              makeDefault: n.make_default,
            }
          : null,
      });
      return { draft: draftToProto(result.draft), connection_id: result.connection.connectionId, is_default: result.connection.isDefault, created: result.created };
    }),
    StartVerification: mutation('start_verification', async (r) => {
      const result = await startVerification(deps, draftCmd(r));
      return { draft: draftToProto(result.draft), run_id: result.runId, run_status: result.runStatus, deduplicated: result.deduplicated };
    }),
    StartBootstrap: mutation('start_bootstrap', async (r) => {
      const result = await startBootstrap(deps, { ...draftCmd(r), types: r.types });
      return {
        draft: draftToProto(result.draft),
        runs: result.runs.map((s) => ({ type: s.type, run_id: s.run.runId, run_status: s.run.status, deduplicated: s.deduplicated })),
      };
    }),
    SetCurrentStep: mutation('set_current_step', async (r) => ({ draft: draftToProto(await setCurrentStep(deps, { ...draftCmd(r), step: r.step })) })),
    Activate: mutation('activate', async (r) => {
      const result = await activate(deps, { ...draftCmd(r), override: r.override, overrideReason: r.override_reason });
      metrics.activated(r.override);
      return { draft: draftToProto(result.draft), tenant: tenantToProto(result.tenant) };
    }),
    CancelDraft: mutation('cancel_draft', async (r) => ({ draft: draftToProto(await cancelDraft(deps, { ...draftCmd(r), reason: r.reason })) })),
    GetReadiness: unary(logger, async (r) => {
      const view = await getReadiness(deps, ws(r.workspace_id), requireId('draft_id', r.draft_id));
      return { readiness: readinessToProto(view.draft, view.readiness) };
    }),
    ListTenants: unary(logger, async (r) => {
      const status = oneOf<TenantStatus>('status', r.status, TENANT_STATUSES);
      const page = await listTenants(deps, ws(r.workspace_id), status, pageSize(r.page?.page_size), r.page?.page_token ?? '');
      return { tenants: page.items.map(tenantToProto), next_page_token: page.nextPageToken };
    }),
    GetTenant: unary(logger, async (r) => ({ tenant: tenantToProto(await getTenant(deps, ws(r.workspace_id), requireId('tenant_id', r.tenant_id))) })),
    ArchiveTenant: mutation('archive_tenant', async (r) => ({
      tenant: tenantToProto(
        await archiveTenant(deps, {
          workspaceId: ws(r.workspace_id),
          actor: actorFromProto(r.actor),
          tenantId: requireId('tenant_id', r.tenant_id),
          expectedVersion: r.expected_version,
          reason: r.reason,
        }),
      ),
    })),
    RestoreTenant: mutation('restore_tenant', async (r) => ({
      tenant: tenantToProto(
        await restoreTenant(deps, {
          workspaceId: ws(r.workspace_id),
          actor: actorFromProto(r.actor),
          tenantId: requireId('tenant_id', r.tenant_id),
          expectedVersion: r.expected_version,
        }),
      ),
    })),
  } as OnboardingServiceHandlers;
}
