import { jsonOrUndefined } from '@tenantatlas/shared/testing';

/** A tiny HTTP client for the gateway's API, holding one user's session cookie and CSRF token. */
export class GatewayClient {
  private cookie = '';
  private csrf = '';
  userId = '';

  constructor(readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<this> {
    const res = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { csrfToken: string; user: { id: string } };
    this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    this.csrf = body.csrfToken;
    this.userId = body.user.id;
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
    const json = jsonOrUndefined(text);
    return { status: res.status, headers: res.headers, text, json };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown = {}) => this.request('POST', path, body);
}
