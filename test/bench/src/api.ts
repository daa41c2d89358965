import { randomUUID } from 'node:crypto';

/** The gateway's public API as an automation client sees it: one API token, JSON in and out. */
export class GatewayApi {
  private constructor(
    readonly baseUrl: string,
    private readonly token: string,
    readonly workspaceId: string,
  ) {}

  /** Signs in with a password, creates an API token and uses that from then on. */
  static async connect(baseUrl: string, user: { email: string; password: string }): Promise<GatewayApi> {
    const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
    if (!login.ok) throw new Error(`sign-in failed: ${login.status}`);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const created = await fetch(`${baseUrl}/api/tokens`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (!created.ok) throw new Error(`token creation failed: ${created.status}`);
    const { token } = (await created.json()) as { token: string };
    const me = (await (await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { workspaces: { id: string }[] };
    return new GatewayApi(baseUrl, token, me.workspaces[0]!.id);
  }

  /** The same user's client in another of its workspaces (whose tenants it adds with addTenants). */
  inWorkspace(workspaceId: string): GatewayApi {
    return new GatewayApi(this.baseUrl, this.token, workspaceId);
  }

  get ws(): string {
    return `/api/workspaces/${this.workspaceId}`;
  }

  /** tenants of the workspace the bench's runs are spread over (a start must name a real one) */
  private readonly tenants: string[] = [];

  /** Creates `count` tenants the way an operator does (a draft, then identify). */
  async addTenants(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const draft = await this.request('POST', `${this.ws}/drafts`, {});
      const body = { expected_version: draft.json.draft.version, external_tenant_id: randomUUID(), name: `Bench tenant ${i}` };
      const identified = await this.request('POST', `${this.ws}/drafts/${draft.json.draft.id}/identify`, body);
      if (identified.status !== 200) throw new Error(`identifying a tenant answered ${identified.status}: ${identified.text}`);
      this.tenants.push(identified.json.tenant.id as string);
    }
  }

  /** The tenant runs named `key` belong to: keys are spread over the tenants by a hash. */
  tenantFor(key: string): string {
    if (this.tenants.length === 0) throw new Error('addTenants first');
    let hash = 0;
    for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return this.tenants[hash % this.tenants.length]!;
  }

  async request<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T; text: string }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // JSON and problem documents only: an NDJSON export is read as text
    const json = /^application\/(problem\+)?json/.test(res.headers.get('content-type') ?? '') && text ? (JSON.parse(text) as T) : (undefined as T);
    return { status: res.status, json, text };
  }

  /** Streams a GET's body and counts its lines, holding no more than a chunk of it. */
  async countLines(path: string): Promise<{ status: number; lines: number }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    let lines = 0;
    for await (const chunk of res.body ?? []) {
      const bytes = Buffer.from(chunk as Uint8Array);
      for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
    }
    return { status: res.status, lines };
  }

  /** 503 answers seen (each retried, as a client would): reported with the figures. */
  unavailableAnswers = 0;

  /**
   * Starts a run named `key` (its subject, on the tenant `tenantFor(key)`: the diagnostics types
   * dedupe per tenant + type + subject, so distinct keys never merge) under an idempotency key, so
   * a start that answered 503 (e.g. a deadline under overload) is retried safely: the retry
   * returns the run the first call may have created.
   */
  async startRun({ key, ...body }: { key: string; type: string; context?: Record<string, string>; idempotency_key?: string }): Promise<{ run: { id: string }; deduplicated: boolean }> {
    const request = { idempotency_key: `${key}:${body.type}`, tenant_id: this.tenantFor(key), subject: key, ...body };
    for (let attempt = 1; ; attempt++) {
      const res = await this.request('POST', `${this.ws}/runs`, request);
      if (res.status === 200) return res.json;
      if (res.status !== 503 || attempt >= 5) throw new Error(`POST /runs answered ${res.status}: ${res.text.slice(0, 300)}`);
      this.unavailableAnswers++;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
