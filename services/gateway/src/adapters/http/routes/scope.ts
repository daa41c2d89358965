import { isDomainError, z } from '@tenantatlas/core';
import { visibleTo, type Capability } from '../../../domain/access';
import { gatewayError } from '../../../domain/errors';
import { isSealedPageToken } from '../../../domain/page-token-seal';
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
  const given = ctx.query.pageToken ?? '';
  const token = isSealedPageToken(given) ? ctx.pageTokens.open(given) : given;
  if (token === null) throw gatewayError('REQUEST.INVALID', 'pageToken is not one this list gave you', { field: 'query.pageToken' });
  const request = { page_size: ctx.query.pageSize ?? list.pageSize, page_token: token };
  if (!limited(ctx)) return fetch(request);
  const visible = (item: T) => filterToScope(ctx, [item], tenantOf).length === 1;
  // the service lists one tenant of the member's scope: one page, every item of it visible
  const { found, next } = ctx.query.tenantId ? await onePage(list.items, request, fetch, visible) : await visiblePage(list.items, request, fetch, visible);
  return { [list.items]: found, next_page_token: next ? ctx.pageTokens.seal(next) : '' } as Page<K, T>;
}

async function onePage<K extends string, T>(items: K, request: PageRequest, fetch: (page: PageRequest) => Promise<Page<K, T>>, visible: (item: T) => boolean) {
  const res = await fetch(request);
  return { found: res[items].filter(visible), next: res.next_page_token || '' };
}

/**
 * A limited member's page: the service's pages are read on until the page holds its size of
 * visible items, the list ends, or the request has examined MAX_READS pages (hidden items may be
 * many; the next request goes on from there). A full page gets a token only when a visible item
 * follows within that budget, so an empty last page does not tell that hidden items matched the
 * filter; the token is taken at the page's last visible item (when it is not the last item read,
 * its page is read again up to it). The caller seals the token: a service's token names the last
 * item it read, which may be another tenant's.
 */
async function visiblePage<K extends string, T>(
  items: K,
  request: PageRequest,
  fetch: (page: PageRequest) => Promise<Page<K, T>>,
  visible: (item: T) => boolean,
): Promise<{ found: T[]; next: string }> {
  const found: T[] = [];
  let reads = 0;
  const read = async (page: PageRequest) => {
    reads++;
    const res = await fetch(page);
    return { items: res[items], next: res.next_page_token || '' };
  };
  let from = request.page_token;
  for (let size = request.page_size; reads < MAX_READS; size = READ_AHEAD) {
    const page = await read({ page_size: size, page_token: from });
    let last = -1;
    for (let i = 0; i < page.items.length && found.length < request.page_size; i++) {
      if (visible(page.items[i]!)) {
        found.push(page.items[i]!);
        last = i;
      }
    }
    if (found.length < request.page_size) {
      if (!page.next) return { found, next: '' };
      from = page.next;
      continue;
    }
    // full: is there a visible item after it?
    let more = page.items.slice(last + 1).some(visible);
    for (let ahead = page.next; !more && ahead && reads < MAX_READS; ) {
      const next = await read({ page_size: READ_AHEAD, page_token: ahead });
      more = next.items.some(visible);
      ahead = next.next;
      if (!ahead && !more) return { found, next: '' };
    }
    if (!more && !page.next) return { found, next: '' };
    if (last === page.items.length - 1) return { found, next: page.next };
    return { found, next: (await read({ page_size: last + 1, page_token: from })).next };
  }
  // examined its share: the next request goes on from where this one stopped
  return { found, next: from };
}

type PageRequest = { page_size: number; page_token: string };

/** the most every service answers in one page */
const READ_AHEAD = 200;
/** pages of a service one request of a limited member examines at most */
const MAX_READS = 10;

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
