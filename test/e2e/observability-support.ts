/** Helpers of the observability e2e tests: trace context, Prometheus scrapes, a gateway session. */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ReceivedSpan } from './otlp-receiver';

/** A W3C traceparent as the gateway's HTTP instrumentation would send it: the test is the root. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export function withTrace(traceparent: string): { metadata: grpc.Metadata } {
  const metadata = new grpc.Metadata();
  metadata.set('traceparent', traceparent);
  return { metadata };
}

/** the URL an HTTP client span called (stable or older semantic conventions) */
export const urlOf = (span: ReceivedSpan) => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of the first sample of `metric` whose labels include all of `labels`. */
export function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) return Number(value);
  }
  return undefined;
}

/** A signed-in gateway user: session cookie, CSRF token and first workspace. */
export class GatewaySession {
  private constructor(
    private readonly base: string,
    private readonly cookie: string,
    private readonly csrf: string,
    readonly workspaceId: string,
  ) {}

  static async login(base: string, user: { email: string; password: string }): Promise<GatewaySession> {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = (await (await fetch(`${base}/api/me`, { headers: { cookie } })).json()) as { workspaces: { id: string }[] };
    return new GatewaySession(base, cookie, csrfToken, me.workspaces[0]!.id);
  }

  async send(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }
}
