import { loadProto, unary, type Logger } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/onboarding';
import type { OnboardingServiceHandlers } from '@tenantatlas/shared/proto/tenantatlas/onboarding/v1/OnboardingService';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { ActivateTenantUseCase } from '../../app/activate-tenant.use-case';
import { ArchiveTenantUseCase } from '../../app/archive-tenant.use-case';
import { CancelDraftUseCase } from '../../app/cancel-draft.use-case';
import { CreateDraftUseCase } from '../../app/create-draft.use-case';
import { GetDraftUseCase } from '../../app/get-draft.use-case';
import { GetReadinessUseCase } from '../../app/get-readiness.use-case';
import { GetTenantUseCase } from '../../app/get-tenant.use-case';
import { IdentifyTenantUseCase } from '../../app/identify-tenant.use-case';
import { ListDraftsUseCase } from '../../app/list-drafts.use-case';
import { ListTenantsUseCase } from '../../app/list-tenants.use-case';
import type { OnboardingDeps } from '../../app/ports';
import { RestoreTenantUseCase } from '../../app/restore-tenant.use-case';
import { SelectConnectionUseCase } from '../../app/select-connection.use-case';
import { SetCurrentStepUseCase } from '../../app/set-current-step.use-case';
import { StartBootstrapUseCase } from '../../app/start-bootstrap.use-case';
import { StartVerificationUseCase } from '../../app/start-verification.use-case';
import { LIFECYCLE_STATES, type LifecycleState } from '../../domain/draft';
import { inputErrors } from '../../domain/errors';
import { TENANT_STATUSES, type TenantStatus } from '../../domain/tenant';
import { requireId } from '../../domain/validation';
import { pageSize } from '../mongo/page-token';
import { actorFromProto, compactToProto, draftToProto, newConnectionFromProto, readinessToProto, tenantToProto } from './mapping';
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

type ProtoActorRef = Parameters<typeof actorFromProto>[0];

/** Every use case the gRPC surface calls, each built once on the service's ports. */
function useCases(deps: OnboardingDeps) {
  return {
    createDraft: new CreateDraftUseCase(deps),
    identifyTenant: new IdentifyTenantUseCase(deps),
    getDraft: new GetDraftUseCase(deps),
    listDrafts: new ListDraftsUseCase(deps),
    selectConnection: new SelectConnectionUseCase(deps),
    startVerification: new StartVerificationUseCase(deps),
    startBootstrap: new StartBootstrapUseCase(deps),
    setCurrentStep: new SetCurrentStepUseCase(deps),
    activateTenant: new ActivateTenantUseCase(deps),
    cancelDraft: new CancelDraftUseCase(deps),
    getReadiness: new GetReadinessUseCase(deps),
    listTenants: new ListTenantsUseCase(deps),
    getTenant: new GetTenantUseCase(deps),
    archiveTenant: new ArchiveTenantUseCase(deps),
    restoreTenant: new RestoreTenantUseCase(deps),
  };
}

/** Thin transport: validate ids, convert, call the use case, convert back. */
export function onboardingHandlers(deps: OnboardingDeps, logger: Logger, metrics: OnboardingMetrics): OnboardingServiceHandlers {
  const app = useCases(deps);
  const ws = (id: string) => requireId('workspace_id', id);
  const draftRef = (r: { workspace_id: string; draft_id: string }) => ({ workspaceId: ws(r.workspace_id), draftId: requireId('draft_id', r.draft_id) });
  const draftCmd = (r: { workspace_id: string; actor: ProtoActorRef; draft_id: string; expected_version: number }) => ({
    ...draftRef(r),
    actor: actorFromProto(r.actor),
    expectedVersion: r.expected_version,
  });
  const tenantRef = (r: { workspace_id: string; tenant_id: string }) => ({ workspaceId: ws(r.workspace_id), tenantId: requireId('tenant_id', r.tenant_id) });
  const tenantCmd = (r: { workspace_id: string; actor: ProtoActorRef; tenant_id: string; expected_version: number }) => ({
    ...tenantRef(r),
    actor: actorFromProto(r.actor),
    expectedVersion: r.expected_version,
  });
  const page = (r: { page?: { page_size?: number; page_token?: string } | null }) => ({ pageSize: pageSize(r.page?.page_size), pageToken: r.page?.page_token ?? '' });
  const mutation = <Req, Res>(name: string, handler: (req: Req) => Promise<Res>) =>
    unary<Req, Res>(logger, (req) => metrics.track(name, () => handler(req)));

  return {
    CreateDraft: mutation('create_draft', async (r) => ({
      draft: draftToProto(await app.createDraft.execute({ workspaceId: ws(r.workspace_id), actor: actorFromProto(r.actor) })),
    })),
    IdentifyTenant: mutation('identify_tenant', async (r) => {
      const result = await app.identifyTenant.execute({
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
    GetDraft: unary(logger, async (r) => ({ draft: draftToProto(await app.getDraft.execute(draftRef(r))) })),
    ListDrafts: unary(logger, async (r) => {
      const filter = {
        tenantId: r.tenant_id || undefined,
        lifecycleState: oneOf<LifecycleState>('lifecycle_state', r.lifecycle_state, LIFECYCLE_STATES),
        includeTerminal: r.include_terminal,
      };
      const drafts = await app.listDrafts.execute({ workspaceId: ws(r.workspace_id), filter, ...page(r) });
      return {
        drafts: drafts.items.map((i) => ({ draft: draftToProto(i.draft), readiness: compactToProto(i.readiness) })),
        next_page_token: drafts.nextPageToken,
      };
    }),
    SelectConnection: mutation('select_connection', async (r) => {
      const result = await app.selectConnection.execute({ ...draftCmd(r), connectionId: r.connection_id, newConnection: newConnectionFromProto(r.new_connection) });
      return { draft: draftToProto(result.draft), connection_id: result.connection.connectionId, is_default: result.connection.isDefault, created: result.created };
    }),
    StartVerification: mutation('start_verification', async (r) => {
      const result = await app.startVerification.execute(draftCmd(r));
      return { draft: draftToProto(result.draft), run_id: result.runId, run_status: result.runStatus, deduplicated: result.deduplicated };
    }),
    StartBootstrap: mutation('start_bootstrap', async (r) => {
      const result = await app.startBootstrap.execute({ ...draftCmd(r), types: r.types });
      return {
        draft: draftToProto(result.draft),
        runs: result.runs.map((s) => ({ type: s.type, run_id: s.run.runId, run_status: s.run.status, deduplicated: s.deduplicated })),
      };
    }),
    SetCurrentStep: mutation('set_current_step', async (r) => ({ draft: draftToProto(await app.setCurrentStep.execute({ ...draftCmd(r), step: r.step })) })),
    Activate: mutation('activate', async (r) => {
      const result = await app.activateTenant.execute({ ...draftCmd(r), override: r.override, overrideReason: r.override_reason });
      metrics.activated(r.override);
      return { draft: draftToProto(result.draft), tenant: tenantToProto(result.tenant) };
    }),
    CancelDraft: mutation('cancel_draft', async (r) => ({ draft: draftToProto(await app.cancelDraft.execute({ ...draftCmd(r), reason: r.reason })) })),
    GetReadiness: unary(logger, async (r) => {
      const view = await app.getReadiness.execute(draftRef(r));
      return { readiness: readinessToProto(view.draft, view.readiness) };
    }),
    ListTenants: unary(logger, async (r) => {
      const status = oneOf<TenantStatus>('status', r.status, TENANT_STATUSES);
      const tenants = await app.listTenants.execute({ workspaceId: ws(r.workspace_id), status, ...page(r) });
      return { tenants: tenants.items.map(tenantToProto), next_page_token: tenants.nextPageToken };
    }),
    GetTenant: unary(logger, async (r) => ({ tenant: tenantToProto(await app.getTenant.execute(tenantRef(r))) })),
    ArchiveTenant: mutation('archive_tenant', async (r) => ({ tenant: tenantToProto(await app.archiveTenant.execute({ ...tenantCmd(r), reason: r.reason })) })),
    RestoreTenant: mutation('restore_tenant', async (r) => ({ tenant: tenantToProto(await app.restoreTenant.execute(tenantCmd(r))) })),
  } as OnboardingServiceHandlers;
}
