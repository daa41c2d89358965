import { isDomainError, z } from '@tenantatlas/core';
import { visibleTo, type Capability } from '../../../domain/access';
import { gatewayError } from '../../../domain/errors';
import type { OnboardingPort, OperationsPort } from '../../grpc/downstream';
import { pageQuery, route, type RouteContext, type RouteDef } from '../route';

type Ctx = RouteContext<unknown, unknown, unknown>;

const limited = (ctx: Ctx) => ctx.membership.tenantScope.kind === 'some';

/**
 * What the owning service answers for an id it does not know (the gateway passes 404s on without
 * details). A resource of a tenant outside the member's scope is answered exactly the same way, so
 * a limited member cannot tell another tenant's object from a random id.
 */
const MISSING = {
  draft: () => gatewayError('DRAFT.NOT_FOUND', 'onboarding draft not found'),
  run: () => gatewayError('RUN.NOT_FOUND', 'run not found'),
  connection: () => gatewayError('CONNECTION.NOT_FOUND', 'connection not found'),
};

/** A fetched resource's tenant must be in the member's scope; out of scope reads as missing. */
export function requireResourceInScope(ctx: Ctx, kind: keyof typeof MISSING, tenantId: string | undefined): void {
  if (!tenantId) return;
  try {
    ctx.requireTenant(tenantId);
  } catch (err) {
    throw isDomainError(err) && err.code === 'TENANT.NOT_FOUND' ? MISSING[kind]() : err;
  }
}

/** A draft's tenant must be in the member's scope; only limited members pay for the extra read. */
export async function requireDraftInScope(ctx: Ctx, onboarding: OnboardingPort, draftId: string): Promise<void> {
  if (!limited(ctx)) return;
  const { draft } = await onboarding.GetDraft({ workspace_id: ctx.workspaceId, draft_id: draftId });
  requireResourceInScope(ctx, 'draft', draft?.tenant_id);
}

export async function requireRunInScope(ctx: Ctx, operations: OperationsPort, runId: string): Promise<void> {
  if (!limited(ctx)) return;
  const { run } = await operations.GetRun({ workspace_id: ctx.workspaceId, run_id: runId });
  requireResourceInScope(ctx, 'run', run?.tenant_id);
}

/** Keeps only what a limited member may see from a list a service returned. */
export function filterToScope<T>(ctx: Ctx, items: T[], tenantOf: (item: T) => string | undefined): T[] {
  return visibleTo(ctx.membership, items, (item) => tenantOf(item) ?? '');
}

type ListQuery = { tenantId?: string; pageSize?: number; pageToken?: string };
type Page<K extends string, T> = Record<K, T[]> & { next_page_token: string | null };

/**
 * A list route's answer: one page from the owning service (size and token from the query), keeping
 * only what the member may see. A tenant named in the query must be in the member's scope.
 */
export async function pageInScope<K extends string, T>(
  ctx: RouteContext<unknown, ListQuery, unknown>,
  list: { items: K; pageSize: number },
  fetch: (page: PageRequest) => Promise<Page<K, T>>,
  tenantOf: (item: T) => string | undefined,
): Promise<Page<K, T>> {
  if (ctx.query.tenantId) ctx.requireTenant(ctx.query.tenantId);
  const request = { page_size: ctx.query.pageSize ?? list.pageSize, page_token: ctx.query.pageToken ?? '' };
  // the service lists one tenant of the member's scope: everything it answers is visible
  if (!limited(ctx) || ctx.query.tenantId) {
    const res = await fetch(request);
    return { [list.items]: filterToScope(ctx, res[list.items], tenantOf), next_page_token: res.next_page_token } as Page<K, T>;
  }
  const visible = (item: T) => filterToScope(ctx, [item], tenantOf).length === 1;
  for (let attempt = 1; ; attempt++) {
    const page = await visiblePage(list.items, request, fetch, visible);
    if (page || attempt === 3) return page ?? ({ [list.items]: [], next_page_token: '' } as Page<K, T>);
  }
}

/**
 * A limited member's page. Its token must point at an item the member sees: the service's token
 * names the last item it read (a page token is not a secret), so a page cut short by hidden items
 * would tell the position, the time and the id of another tenant's item, and a token that leads
 * only to hidden items would tell that some matched. So the service's pages are read on until the
 * page holds its size of visible items or the list ends; a full page gets a token only when a
 * visible item follows, taken at its last visible item (when that is not the last item read, its
 * page is read again up to it). Null when items arrived meanwhile and that page no longer ends at a
 * visible item (the caller tries again). Pages after the first are read READ_AHEAD items at a
 * time: hidden items may be many.
 */
async function visiblePage<K extends string, T>(
  items: K,
  request: PageRequest,
  fetch: (page: PageRequest) => Promise<Page<K, T>>,
  visible: (item: T) => boolean,
): Promise<Page<K, T> | null> {
  const found: T[] = [];
  const page = (next: string | null) => ({ [items]: found, next_page_token: next || '' }) as Page<K, T>;
  for (let from = request.page_token, size = request.page_size; ; size = READ_AHEAD) {
    const res = await fetch({ page_size: size, page_token: from });
    const read = res[items];
    let last = -1;
    for (let i = 0; i < read.length && found.length < request.page_size; i++) {
      if (visible(read[i]!)) {
        found.push(read[i]!);
        last = i;
      }
    }
    if (found.length < request.page_size) {
      if (!res.next_page_token) return page('');
      from = res.next_page_token;
      continue;
    }
    if (!read.slice(last + 1).some(visible) && !(await visibleFrom(items, res.next_page_token, fetch, visible))) return page('');
    if (last === read.length - 1) return page(res.next_page_token);
    const upTo = await fetch({ page_size: last + 1, page_token: from });
    const end = upTo[items][last];
    return end !== undefined && visible(end) ? page(upTo.next_page_token) : null;
  }
}

/** Whether the list holds a visible item from `token` on (none when the token is the end). */
async function visibleFrom<K extends string, T>(
  items: K,
  token: string | null,
  fetch: (page: PageRequest) => Promise<Page<K, T>>,
  visible: (item: T) => boolean,
): Promise<boolean> {
  for (let from = token; from; ) {
    const res = await fetch({ page_size: READ_AHEAD, page_token: from });
    if (res[items].some(visible)) return true;
    from = res.next_page_token;
  }
  return false;
}

type PageRequest = { page_size: number; page_token: string };

/** the most every service answers in one page */
const READ_AHEAD = 200;

/** What a workspace's read route declares about itself, beside what it reads. */
interface WorkspaceRead {
  path: string;
  summary: string;
  tag: string;
  capability: Capability;
}
const workspaceRead = ({ path, summary, tag, capability }: WorkspaceRead) =>
  ({ method: 'get', path, summary, tag, auth: 'workspace', capability }) as const;
type ListContext<S extends z.ZodRawShape> = RouteContext<Record<string, string>, z.output<z.ZodObject<S>> & ListQuery, undefined>;

/**
 * A workspace's list route: its filters plus `pageSize` and `pageToken` in the query, answered
 * with one page from the owning service as `pageInScope` keeps it.
 */
export function listRoute<S extends z.ZodRawShape, K extends string, T>(def: WorkspaceRead & {
  filters: S;
  success: z.ZodType;
  items: K;
  pageSize: number;
  fetch: (ctx: ListContext<S>, page: PageRequest) => Promise<Page<K, T>>;
  tenantOf: (item: T) => string | undefined;
}): RouteDef {
  const { filters, success, fetch, tenantOf } = def;
  return route({
    ...workspaceRead(def),
    query: z.object({ ...filters, ...pageQuery }),
    success: { status: 200, body: success },
    async handler(ctx) {
      const listing = ctx as unknown as ListContext<S>;
      return pageInScope(listing, def, (page) => fetch(listing, page), tenantOf);
    },
  });
}

/**
 * A workspace's route that reads one resource by the ids in its path, answered as the owning
 * service's "not found" when the resource's tenant is outside the member's scope.
 */
export function resourceRoute<P extends z.ZodRawShape, R>(def: WorkspaceRead & {
  params: z.ZodObject<P>;
  success: z.ZodType;
  kind: keyof typeof MISSING;
  fetch: (workspaceId: string, params: z.output<z.ZodObject<P>>) => Promise<R>;
  tenantOf: (res: R) => string | undefined;
}): RouteDef {
  const { params, success, kind, fetch, tenantOf } = def;
  return route({
    ...workspaceRead(def),
    params,
    success: { status: 200, body: success },
    async handler(ctx) {
      const res = await fetch(ctx.workspaceId, ctx.params as z.output<z.ZodObject<P>>);
      requireResourceInScope(ctx, kind, tenantOf(res));
      return res;
    },
  });
}

/** Creating something for a tenant not yet known needs an unlimited scope. */
export function requireUnlimitedScope(ctx: Ctx): void {
  if (limited(ctx)) {
    throw gatewayError('ACCESS.TENANT_SCOPE_LIMITED', 'members limited to some tenants cannot add tenants');
  }
}

/** A limited member must name one tenant of their scope where a call would span the whole workspace. */
export function requireTenantWhenLimited(ctx: Ctx, field: string): void {
  if (limited(ctx)) throw gatewayError('REQUEST.TENANT_REQUIRED', `${field}: members limited to some tenants must name one`, { field });
}

/**
 * A backend's list filter from the query of its route: each field under the backend's name for
 * it, '' (any) where the query leaves it out.
 */
export function filterFields<Q extends object, F extends string>(query: Q, names: Record<F, TextField<Q>>): Record<F, string> {
  return Object.fromEntries(Object.entries<TextField<Q>>(names).map(([field, key]) => [field, (query[key] as string | undefined) ?? ''])) as Record<F, string>;
}

/** the query parameters of Q that hold text */
type TextField<Q> = { [K in keyof Q]: Q[K] extends string | undefined ? K : never }[keyof Q];
