import { DomainError } from '@tenantatlas/shared';
import { badRequest } from '../errors';
import { visibleTo } from '../../../domain/access';
import type { OnboardingPort, OperationsPort } from '../../grpc/downstream';
import type { RouteContext } from '../route';

type Ctx = RouteContext<unknown, unknown, unknown>;

const limited = (ctx: Ctx) => ctx.membership.tenantScope.kind === 'some';

/** A draft's tenant must be in the member's scope; only limited members pay for the extra read. */
export async function requireDraftInScope(ctx: Ctx, onboarding: OnboardingPort, draftId: string): Promise<void> {
  if (!limited(ctx)) return;
  const { draft } = await onboarding.GetDraft({ workspace_id: ctx.workspaceId, draft_id: draftId });
  if (draft?.tenant_id) ctx.requireTenant(draft.tenant_id);
}

export async function requireRunInScope(ctx: Ctx, operations: OperationsPort, runId: string): Promise<void> {
  if (!limited(ctx)) return;
  const { run } = await operations.GetRun({ workspace_id: ctx.workspaceId, run_id: runId });
  if (run?.tenant_id) ctx.requireTenant(run.tenant_id);
}

/** Keeps only what a limited member may see from a list a service returned. */
export function filterToScope<T>(ctx: Ctx, items: T[], tenantOf: (item: T) => string | undefined): T[] {
  return visibleTo(ctx.membership, items, (item) => tenantOf(item) ?? '');
}

/** Creating something for a tenant not yet known needs an unlimited scope. */
export function requireUnlimitedScope(ctx: Ctx): void {
  if (limited(ctx)) {
    throw new DomainError('ACCESS.TENANT_SCOPE_LIMITED', 'permission_denied', 'members limited to some tenants cannot add tenants');
  }
}

/** A limited member must name one tenant of their scope where a call would span the whole workspace. */
export function requireTenantWhenLimited(ctx: Ctx, field: string): void {
  if (limited(ctx)) throw badRequest('REQUEST.TENANT_REQUIRED', `${field}: members limited to some tenants must name one`, { field });
}
