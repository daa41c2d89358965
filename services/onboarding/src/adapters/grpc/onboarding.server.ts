import { type Logger } from '@tenantatlas/core';
import { loadProto, unary } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/onboarding';
import type { OnboardingServiceHandlers } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/OnboardingService';
import type { handleUnaryCall, ServiceDefinition } from '@grpc/grpc-js';
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
import {
  actorFromProto,
  compactToProto,
  draftCommandFromProto as draftCmd,
  draftFilterFromProto,
  draftRefFromProto as draftRef,
  draftToProto,
  newConnectionFromProto,
  pageFromProto as page,
  readinessToProto,
  tenantCommandFromProto as tenantCmd,
  tenantRefFromProto as tenantRef,
  tenantStatusFromProto,
  tenantToProto,
  workspaceFromProto as ws,
} from './mapping';
import type { OnboardingMetrics } from './metrics';

export const ONBOARDING_SERVICE_NAME = 'tenantatlas.onboarding.v1.OnboardingService';

export function onboardingDefinition(): ServiceDefinition {
  return loadProto<ProtoGrpcType>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1.OnboardingService.service;
}

/** Every use case the gRPC surface calls, each built once on the service's ports. */
function useCases(deps: OnboardingDeps) {
  return {
    createDraft: new CreateDraftUseCase(deps),
    identifyTenant: new IdentifyTenantUseCase(deps),
    getDraft: new GetDraftUseCase(deps),
    listDrafts: new ListDraftsUseCase(deps),
    getReadiness: new GetReadinessUseCase(deps),
    selectConnection: new SelectConnectionUseCase(deps),
    startVerification: new StartVerificationUseCase(deps),
    startBootstrap: new StartBootstrapUseCase(deps),
    setCurrentStep: new SetCurrentStepUseCase(deps),
    activateTenant: new ActivateTenantUseCase(deps),
    cancelDraft: new CancelDraftUseCase(deps),
    listTenants: new ListTenantsUseCase(deps),
    getTenant: new GetTenantUseCase(deps),
    archiveTenant: new ArchiveTenantUseCase(deps),
    restoreTenant: new RestoreTenantUseCase(deps),
  };
}

type UseCases = ReturnType<typeof useCases>;
type Handlers = OnboardingServiceHandlers;
/** A handler as a call: reads are only logged; mutations are also counted by action and result. */
type Call = <Req, Res>(name: string | null, handler: (req: Req) => Promise<Res>) => handleUnaryCall<Req, Res>;

/** Thin transport: validate ids, convert, call the use case, convert back. */
export function onboardingHandlers(deps: OnboardingDeps, logger: Logger, metrics: OnboardingMetrics): Handlers {
  const app = useCases(deps);
  const call: Call = (name, handler) => unary(logger, name ? (req) => metrics.track(name, () => handler(req)) : handler);
  return { ...draftHandlers(app, call), ...wizardHandlers(app, call, metrics), ...tenantHandlers(app, call) } as Handlers;
}

function draftHandlers(app: UseCases, call: Call): Pick<Handlers, 'CreateDraft' | 'IdentifyTenant' | 'GetDraft' | 'ListDrafts' | 'GetReadiness'> {
  return {
    CreateDraft: call('create_draft', async (r) => ({
      draft: draftToProto(await app.createDraft.execute({ workspaceId: ws(r.workspace_id), actor: actorFromProto(r.actor) })),
    })),
    IdentifyTenant: call('identify_tenant', async (r) => {
      const result = await app.identifyTenant.execute({
        workspaceId: ws(r.workspace_id),
        actor: actorFromProto(r.actor),
        draftId: r.draft_id ? draftRef(r).draftId : '',
        expectedVersion: r.expected_version,
        externalTenantId: r.external_tenant_id,
        name: r.name,
        primaryDomain: r.primary_domain,
      });
      return { draft: draftToProto(result.draft), tenant: tenantToProto(result), resumed: result.resumed, tenant_created: result.tenantCreated };
    }),
    GetDraft: call(null, async (r) => ({ draft: draftToProto(await app.getDraft.execute(draftRef(r))) })),
    ListDrafts: call(null, async (r) => {
      const drafts = await app.listDrafts.execute({ workspaceId: ws(r.workspace_id), filter: draftFilterFromProto(r), ...page(r) });
      return {
        drafts: drafts.items.map((i) => ({ draft: draftToProto(i.draft), readiness: compactToProto(i.readiness) })),
        next_page_token: drafts.nextPageToken,
      };
    }),
    GetReadiness: call(null, async (r) => {
      const view = await app.getReadiness.execute(draftRef(r));
      return { readiness: readinessToProto(view.draft, view.readiness) };
    }),
  };
}

/** The wizard's steps on one draft, each guarded by the version the operator last read. */
function wizardHandlers(
  app: UseCases,
  call: Call,
  metrics: OnboardingMetrics,
): Pick<Handlers, 'SelectConnection' | 'StartVerification' | 'StartBootstrap' | 'SetCurrentStep' | 'Activate' | 'CancelDraft'> {
  return {
    SelectConnection: call('select_connection', async (r) => {
      const result = await app.selectConnection.execute({ ...draftCmd(r), connectionId: r.connection_id, newConnection: newConnectionFromProto(r.new_connection) });
      return { draft: draftToProto(result.draft), connection_id: result.connection.connectionId, is_default: result.connection.isDefault, created: result.created };
    }),
    StartVerification: call('start_verification', async (r) => {
      const result = await app.startVerification.execute(draftCmd(r));
      return { draft: draftToProto(result.draft), run_id: result.run.runId, run_status: result.run.status, deduplicated: result.deduplicated };
    }),
    StartBootstrap: call('start_bootstrap', async (r) => {
      const result = await app.startBootstrap.execute({ ...draftCmd(r), types: r.types });
      const runs = result.runs.map((s) => ({ type: s.type, run_id: s.run.runId, run_status: s.run.status, deduplicated: s.deduplicated }));
      return { draft: draftToProto(result.draft), runs };
    }),
    SetCurrentStep: call('set_current_step', async (r) => ({ draft: draftToProto(await app.setCurrentStep.execute({ ...draftCmd(r), step: r.step })) })),
    Activate: call('activate', async (r) => {
      const result = await app.activateTenant.execute({ ...draftCmd(r), override: r.override, overrideReason: r.override_reason });
      metrics.activated(r.override);
      return { draft: draftToProto(result.draft), tenant: tenantToProto(result.tenant) };
    }),
    CancelDraft: call('cancel_draft', async (r) => ({ draft: draftToProto(await app.cancelDraft.execute({ ...draftCmd(r), reason: r.reason })) })),
  };
}

function tenantHandlers(app: UseCases, call: Call): Pick<Handlers, 'ListTenants' | 'GetTenant' | 'ArchiveTenant' | 'RestoreTenant'> {
  return {
    ListTenants: call(null, async (r) => {
      const tenants = await app.listTenants.execute({ workspaceId: ws(r.workspace_id), status: tenantStatusFromProto(r.status), ...page(r) });
      return { tenants: tenants.items.map(tenantToProto), next_page_token: tenants.nextPageToken };
    }),
    GetTenant: call(null, async (r) => ({ tenant: tenantToProto(await app.getTenant.execute(tenantRef(r))) })),
    ArchiveTenant: call('archive_tenant', async (r) => ({ tenant: tenantToProto(await app.archiveTenant.execute({ ...tenantCmd(r), reason: r.reason })) })),
    RestoreTenant: call('restore_tenant', async (r) => ({ tenant: tenantToProto(await app.restoreTenant.execute(tenantCmd(r))) })),
  };
}
