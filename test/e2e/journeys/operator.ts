/**
 * What an operator does through the gateway's public HTTP API, one workspace at a time, through
 * the typed client generated from the API document: paths, parameters, bodies and answers are
 * the document's. `ok` fails with the request and the answer when a call does not succeed;
 * bounded waits on what the operator would watch (runs, readiness). Every answer is also held
 * against the document by the contract check.
 */
import { randomUUID } from 'node:crypto';
import { createApiClient, type ApiClient } from '@tenantatlas/api-client';
import { waitFor } from '@tenantatlas/testing';
import { contractMiddleware } from '../contract';

/** What openapi-fetch answers: the success body, or the problem document, and the raw response. */
interface Outcome<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

/** The success body; anything else fails the test with what the gateway said. */
export function ok<T, E>(outcome: Outcome<T, E>): T {
  const { response } = outcome;
  if (!response.ok || outcome.data === undefined) {
    throw new Error(`${response.url} → ${response.status} ${JSON.stringify(outcome.error ?? null).slice(0, 800)}`);
  }
  return outcome.data;
}

/** A refusal as the operator sees it: the status and the problem's stable code. */
export function refusal<T, E>(outcome: Outcome<T, E>): [number, string | undefined] {
  const problem = outcome.error as { code?: unknown } | undefined;
  return [outcome.response.status, typeof problem?.code === 'string' ? problem.code : undefined];
}

export class Operator {
  private constructor(
    readonly api: ApiClient,
    readonly workspaceId: string,
    readonly userId: string,
  ) {}

  static async signIn(gatewayUrl: string, email: string, password: string): Promise<Operator> {
    const api = createApiClient({ baseUrl: gatewayUrl, middleware: [contractMiddleware] });
    const signedIn = ok(await api.POST('/api/auth/login', { body: { email, password } }));
    const me = ok(await api.GET('/api/me'));
    return new Operator(api, me.workspaces[0]!.id, signedIn.user.id);
  }

  /** Path parameters of a workspace route. */
  in<P extends Record<string, string>>(params: P = {} as P): { path: P & { workspaceId: string } } {
    return { path: { ...params, workspaceId: this.workspaceId } };
  }

  // --- onboarding -------------------------------------------------------------------------

  /** New draft, then identify the tenant: the wizard's step 1. */
  async identify(externalTenantId: string, name: string) {
    const { draft: created } = ok(await this.api.POST('/api/workspaces/{workspaceId}/drafts', { params: this.in() }));
    const identified = ok(
      await this.api.POST('/api/workspaces/{workspaceId}/drafts/{draftId}/identify', {
        params: this.in({ draftId: created.id }),
        body: { expected_version: created.version, external_tenant_id: externalTenantId, name },
      }),
    );
    if (!identified.tenant) throw new Error(`identify answered no tenant: ${JSON.stringify(identified)}`);
    return { draftId: created.id, tenantId: identified.tenant.id, draft: identified.draft, tenant: identified.tenant };
  }

  draft = async (draftId: string) => ok(await this.api.GET('/api/workspaces/{workspaceId}/drafts/{draftId}', { params: this.in({ draftId }) })).draft;
  readiness = async (draftId: string) =>
    ok(await this.api.GET('/api/workspaces/{workspaceId}/drafts/{draftId}/readiness', { params: this.in({ draftId }) })).readiness;

  waitForReadiness(draftId: string, done: (r: Readiness) => boolean, what: string, timeoutMs = 60_000): Promise<Readiness> {
    return watch(() => this.readiness(draftId), done, what, timeoutMs, 400);
  }

  // --- connections ------------------------------------------------------------------------

  async createConnection(tenantId: string, targetTenantId: string, displayName: string): Promise<string> {
    const created = ok(
      await this.api.POST('/api/workspaces/{workspaceId}/connections', {
        params: this.in(),
        body: { tenant_id: tenantId, display_name: displayName, client_id: randomUUID(), target_tenant_id: targetTenantId, client_secret: `journey-secret-${randomUUID()}` },
      }),
    );
    return created.connection.id;
  }

  // --- runs -------------------------------------------------------------------------------

  run = async (runId: string) => ok(await this.api.GET('/api/workspaces/{workspaceId}/runs/{runId}', { params: this.in({ runId }) })).run;

  /** Every run matching the filter (all pages). */
  async runs(filter: { tenantId?: string } = {}): Promise<Run[]> {
    const all: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = ok(await this.api.GET('/api/workspaces/{workspaceId}/runs', { params: { ...this.in(), query: { ...filter, pageSize: 200, pageToken } } }));
      all.push(...page.runs);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return all;
  }

  /** Waits until every run of `tenantId` is completed (and there are `count` of them). */
  waitForTenantRuns(tenantId: string, count: number, what: string, timeoutMs = 60_000): Promise<Run[]> {
    return watch(() => this.runs({ tenantId }), (runs) => runs.length === count && runs.every((r) => r.status === 'completed'), what, timeoutMs, 500);
  }

  waitForRun(runId: string, done: (r: Run) => boolean, what: string, timeoutMs = 60_000): Promise<Run> {
    return watch(() => this.run(runId), done, what, timeoutMs, 300);
  }

  // --- audit ------------------------------------------------------------------------------

  auditPage = async (pageSize: number, pageToken?: string) =>
    ok(await this.api.GET('/api/workspaces/{workspaceId}/audit', { params: { ...this.in(), query: { pageSize, pageToken } } }));

  /** The whole audit log through the paged list (newest first). */
  async auditPages(pageSize = 200): Promise<AuditRecord[]> {
    const all: AuditRecord[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.auditPage(pageSize, pageToken);
      all.push(...page.events);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return all;
  }

  /** The whole audit log through the NDJSON export (one record per line, as the paged list has them). */
  async auditExport(): Promise<AuditRecord[]> {
    const text = ok(
      await this.api.GET('/api/workspaces/{workspaceId}/audit/export', { params: { ...this.in(), query: { format: 'ndjson' } }, parseAs: 'text' }),
    );
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AuditRecord);
  }
}

export type Readiness = Awaited<ReturnType<Operator['readiness']>>;
export type Run = Awaited<ReturnType<Operator['run']>>;
export type Attempt = Run['attempts'][number];
export type AuditRecord = Awaited<ReturnType<Operator['auditPage']>>['events'][number];

export const ms = (iso: string | null) => Date.parse(iso ?? '');

/** waitFor on a read, and when it times out, say what was last seen. */
async function watch<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs: number, intervalMs: number): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(
      async () => {
        last = await read();
        return done(last) ? last : undefined;
      },
      { timeoutMs, intervalMs, what },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast seen: ${JSON.stringify(last, null, 1)?.slice(0, 6000)}`);
  }
}
