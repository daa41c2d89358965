/**
 * The gateway's HTTP API as the fault run uses it: an API token created through the admin's
 * session (GatewayClient), then plain requests with a client-side timeout that never throw — a
 * refused connection (the gateway is being restarted) or a timeout is an answer with status 0.
 */
import { randomUUID } from 'node:crypto';
import { GatewayClient } from '../../../services/gateway/src/testing/gateway-client';
import { jsonOrUndefined } from '@tenantatlas/testing';

export interface Reply {
  status: number;
  contentType: string;
  json: any;
  text: string;
  /** network error or client timeout (status 0) */
  error?: string;
  startedAt: number;
  endedAt: number;
}

export class FaultApi {
  private constructor(
    readonly baseUrl: string,
    readonly workspaceId: string,
    private readonly token: string,
  ) {}

  static async connect(baseUrl: string, email: string, password: string): Promise<FaultApi> {
    const session = await new GatewayClient(baseUrl).login(email, password);
    const me = await session.get('/api/me');
    if (me.status !== 200) throw new Error(`GET /api/me → ${me.status} ${me.text}`);
    const token = await session.post('/api/tokens', { name: 'fault-injection' });
    if (token.status !== 201) throw new Error(`POST /api/tokens → ${token.status} ${token.text}`);
    return new FaultApi(baseUrl, me.json.workspaces[0].id as string, String(token.json.token));
  }

  /** The API with a token the caller created itself. */
  static withToken(baseUrl: string, workspaceId: string, token: string): FaultApi {
    return new FaultApi(baseUrl, workspaceId, token);
  }

  /** A new tenant of the workspace, made as an operator makes one (a draft, then identify); its id. */
  async newTenant(name: string): Promise<string> {
    const { draft } = await this.ok('POST', '/drafts', {});
    const identified = await this.ok('POST', `/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: randomUUID(), name });
    return identified.tenant.id as string;
  }

  /** A workspace route, e.g. `/runs`. */
  ws(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Reply> {
    return this.request(method, `/api/workspaces/${this.workspaceId}${path}`, body, timeoutMs);
  }

  async request(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Reply> {
    const startedAt = Date.now();
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      const json = jsonOrUndefined(text);
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', json, text, startedAt, endedAt: Date.now() };
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` : String(err);
      return { status: 0, contentType: '', json: undefined, text: '', error, startedAt, endedAt: Date.now() };
    }
  }

  /**
   * Like `ws` for the checks after the faults: a transient answer (no answer, 429, 503 — e.g. a
   * slow scan past the gateway's deadline) is retried a few times; any other non-2xx is an error.
   */
  async ok(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<any> {
    for (let attempt = 1; ; attempt++) {
      const reply = await this.ws(method, path, body, timeoutMs);
      if (reply.status >= 200 && reply.status < 300) return reply.json;
      const transient = reply.status === 0 || reply.status === 429 || reply.status === 503;
      if (!transient || attempt >= 8) {
        throw new Error(`${method} ${path} → ${reply.status || reply.error} ${reply.text.slice(0, 500)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
  }
}

/** An RFC 9457 problem document with the gateway's top-level `code`. */
export function isProblem(reply: Reply): boolean {
  return reply.contentType.startsWith('application/problem+json') && typeof reply.json?.code === 'string' && reply.json?.status === reply.status;
}
