import { jsonOrUndefined } from '@tenantatlas/testing';

/** One answer a GatewayClient received; `probe` marks a body sent deliberately as raw text (malformed input). */
export interface GatewayAnswer {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  probe: boolean;
}

/** Told of every answer any GatewayClient receives (the e2e contract check listens). */
export const gatewayAnswers = new Set<(answer: GatewayAnswer) => void>();

function tell(method: string, url: string, res: Response, body: string, probe: boolean): void {
  for (const listener of gatewayAnswers) listener({ method, url, status: res.status, contentType: res.headers.get('content-type'), body, probe });
}

/** A tiny HTTP client for the gateway's API, holding one user's session cookie and CSRF token. */
export class GatewayClient {
  private cookie = '';
  private csrf = '';
  userId = '';

  constructor(readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<this> {
    return this.signInThrough('/api/auth/login', { email, password });
  }

  /** Accepts an invitation (creating the account with this password, or proving the existing one) and keeps the session it starts. */
  async acceptInvitation(token: string, password: string, displayName?: string): Promise<this> {
    return this.signInThrough('/api/invitations/accept', { token, password, displayName });
  }

  /**
   * The one way tests add a member: this client (a manager of the workspace) invites the e-mail,
   * and the invitee accepts with `password`. Returns the invitee, signed in.
   */
  async addMember(
    workspaceId: string,
    member: { email: string; role: string; tenantIds?: string[] | null; displayName?: string },
    password: string,
  ): Promise<GatewayClient> {
    const invited = await this.post(`/api/workspaces/${workspaceId}/members`, member);
    if (invited.status !== 201) throw new Error(`invitation of ${member.email} failed: ${invited.status} ${invited.text}`);
    return new GatewayClient(this.baseUrl).acceptInvitation(invited.json.invitation.token as string, password);
  }

  private async signInThrough(path: string, body: Record<string, unknown>): Promise<this> {
    const res = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    tell('POST', res.url, res, text, false);
    if (res.status !== 200) throw new Error(`${path} failed: ${res.status} ${text}`);
    const json = JSON.parse(text) as { csrfToken: string; user: { id: string } };
    this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    this.csrf = json.csrfToken;
    this.userId = json.user.id;
    return this;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(method !== 'GET' && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    tell(method, res.url, res, text, typeof body === 'string');
    const json = jsonOrUndefined(text);
    return { status: res.status, headers: res.headers, text, json };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown = {}) => this.request('POST', path, body);

  /** The first workspace the signed-in user belongs to. */
  async firstWorkspace(): Promise<string> {
    return (await this.get('/api/me')).json.workspaces[0].id as string;
  }

  /** A workspace route's JSON body; any status but the expected ones fails with the problem's code. */
  async expect(workspaceId: string, method: 'GET' | 'POST', path: string, body?: unknown, expected = [200, 201]) {
    const res = await this.request(method, `/api/workspaces/${workspaceId}${path}`, body);
    if (!expected.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${res.json?.code ?? ''}: ${res.text.slice(0, 400)}`);
    return res.json;
  }
}
