import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi';
import { Credentials } from './session';

export type { components, operations, paths } from './generated/openapi';
export type { Middleware } from 'openapi-fetch';
export { Credentials } from './session';

export interface ApiClientOptions {
  /** The gateway's address, e.g. http://127.0.0.1:8080 ('' in a browser on the gateway's own origin). */
  baseUrl: string;
  /** An API token (ta_<id>.<secret>) from POST /api/tokens; without one, sign in through the client. */
  apiToken?: string;
  /** Further middleware, run after the credentials were added (e.g. to observe every answer). */
  middleware?: Middleware[];
  fetch?: typeof fetch;
}

/** The typed client: paths, parameters, bodies and answers as the gateway's API document declares them. */
export type ApiClient = Client<paths> & { credentials: Credentials };

export function createApiClient(options: ApiClientOptions): ApiClient {
  const credentials = new Credentials(options.apiToken);
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  client.use(credentials.middleware, ...(options.middleware ?? []));
  return Object.assign(client, { credentials });
}
