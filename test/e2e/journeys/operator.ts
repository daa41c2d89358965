/**
 * What an operator does through the gateway's public HTTP API, one workspace at a time: thin
 * wrappers that fail with the request and the answer when a call does not succeed, plus bounded
 * waits on what the operator would watch (runs, readiness).
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@tenantatlas/shared/testing';
import { GatewayClient } from '../../../services/gateway/src/test/gateway-client';

export interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

export interface Attempt {
  number: number;
  started_at: string;
  ended_at: string;
  result: string;
  error_class: string;
  reason_code: string;
  message: string;
  retry_after_ms: number;
  worker: string;
}

export interface Run {
  id: string;
  tenant_id: string;
  type: string;
  subject: string;
  status: 'queued' | 'running' | 'completed';
  outcome: string;
  reason_code: string;
  attempt_count: number;
  attempts: Attempt[];
  next_attempt_at: string;
  rerun_of: string;
  idempotency_key: string;
  initiator: { user_id?: string; component?: string };
}

export class Operator {
  private constructor(
    readonly client: GatewayClient,
    readonly workspaceId: string,
  ) {}

  static async signIn(gatewayUrl: string, email: string, password: string): Promise<Operator> {
    const client = await new GatewayClient(gatewayUrl).login(email, password);
    const me = await client.get('/api/me');
    if (me.status !== 200) throw new Error(`GET /api/me → ${me.status} ${me.text}`);
    return new Operator(client, me.json.workspaces[0].id as string);
  }

  get userId(): string {
    return this.client.userId;
  }

  /** A workspace route (`/runs`, `/drafts/…`), any status. */
  call(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.client.request(method, `/api/workspaces/${this.workspaceId}${path}`, method === 'GET' ? undefined : (body ?? {}));
  }

  /** A workspace route that must answer 2xx; its JSON body. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.call(method, path, body);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${res.text.slice(0, 800)}`);
    return res.json;
  }

  get = (path: string) => this.ok('GET', path);
  post = (path: string, body: unknown = {}) => this.ok('POST', path, body);

  // --- onboarding -------------------------------------------------------------------------

  /** New draft, then identify the tenant: the wizard's step 1. */
  async identify(externalTenantId: string, name: string) {
    const created = await this.call('POST', '/drafts');
    if (created.status !== 201) throw new Error(`POST /drafts → ${created.status} ${created.text}`);
    const draft = created.json.draft;
    const identified = await this.post(`/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: externalTenantId, name });
    return { draftId: draft.id as string, tenantId: identified.tenant.id as string, draft: identified.draft, tenant: identified.tenant };
  }

  draft = async (draftId: string) => (await this.get(`/drafts/${draftId}`)).draft;
  readiness = async (draftId: string) => (await this.get(`/drafts/${draftId}/readiness`)).readiness;

  waitForReadiness(draftId: string, done: (r: any) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
    return watch(() => this.readiness(draftId), done, what, timeoutMs, 400);
  }

  // --- connections ------------------------------------------------------------------------

  async createConnection(tenantId: string, targetTenantId: string, displayName: string): Promise<string> {
    const res = await this.call('POST', '/connections', {
      tenant_id: tenantId,
      display_name: displayName,
      client_id: randomUUID(),
      target_tenant_id: targetTenantId,
      client_secret: `journey-secret-${randomUUID()}`,
    });
    if (res.status !== 201) throw new Error(`POST /connections → ${res.status} ${res.text}`);
    return res.json.connection.id as string;
  }

  // --- runs -------------------------------------------------------------------------------

  run = async (runId: string): Promise<Run> => (await this.get(`/runs/${runId}`)).run;

  /** Every run matching the filter (all pages). */
  async runs(filter: Record<string, string> = {}): Promise<Run[]> {
    const all: Run[] = [];
    let token = '';
    do {
      const query = new URLSearchParams({ ...filter, pageSize: '200', ...(token ? { pageToken: token } : {}) });
      const page = await this.get(`/runs?${query}`);
      all.push(...page.runs);
      token = page.next_page_token;
    } while (token);
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

  /** The whole audit log through the paged list (newest first). */
  async auditPages(pageSize = 200): Promise<any[]> {
    const all: any[] = [];
    let token = '';
    do {
      const query = new URLSearchParams({ pageSize: String(pageSize), ...(token ? { pageToken: token } : {}) });
      const page = await this.get(`/audit?${query}`);
      all.push(...page.events);
      token = page.next_page_token;
    } while (token);
    return all;
  }

  /** The whole audit log through the NDJSON export. */
  async auditExport(): Promise<any[]> {
    const res = await this.call('GET', '/audit/export?format=ndjson');
    if (res.status !== 200) throw new Error(`GET /audit/export → ${res.status} ${res.text.slice(0, 500)}`);
    return res.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  }
}

export const ms = (iso: string) => Date.parse(iso);

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
