/**
 * A GatewayClient that authenticates with a bearer token and keeps every response it receives
 * (status, headers, body), so a test can show that a secret never came back.
 */
import { GatewayClient } from '../../../services/gateway/src/testing/gateway-client';

export interface Recorded {
  request: string;
  status: number;
  headers: [string, string][];
  text: string;
}

export class RecordingClient extends GatewayClient {
  constructor(
    baseUrl: string,
    private readonly bearer: string,
    readonly log: Recorded[] = [],
  ) {
    super(baseUrl);
  }

  override async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await super.request(method, path, body, { authorization: `Bearer ${this.bearer}`, ...headers });
    this.log.push({ request: `${method} ${path}`, status: res.status, headers: [...res.headers], text: res.text });
    return res;
  }
}

/** Every recorded response in which one of `needles` occurs: which request, and body or which header. */
export function leaksIn(recorded: Recorded[], needles: string[]): string[] {
  const found: string[] = [];
  for (const r of recorded) {
    for (const needle of needles) {
      if (r.text.includes(needle)) found.push(`${r.request} → ${r.status}: body`);
      for (const [name, value] of r.headers) if (value.includes(needle)) found.push(`${r.request} → ${r.status}: header ${name}`);
    }
  }
  return found;
}
