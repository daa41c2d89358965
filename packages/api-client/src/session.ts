import type { Middleware } from 'openapi-fetch';

const SESSION_COOKIE = 'ta_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who the client acts as. A session is the UI's way in: the gateway sets an HttpOnly cookie and
 * answers the sign-in (and GET /api/me) with a CSRF token that every write must echo in
 * `x-csrf-token`. An API token is sent as a bearer token and needs no CSRF token.
 */
export class Credentials {
  /** `ta_session=…`, kept only where no browser keeps cookies (Node); a browser sends its own. */
  private cookie = '';
  private csrfToken = '';
  userId = '';

  constructor(private apiToken = '') {}

  readonly middleware: Middleware = {
    onRequest: ({ request }) => {
      if (this.apiToken) {
        request.headers.set('authorization', `Bearer ${this.apiToken}`);
        return request;
      }
      if (this.cookie) request.headers.set('cookie', this.cookie);
      if (this.csrfToken && !SAFE_METHODS.has(request.method)) request.headers.set('x-csrf-token', this.csrfToken);
      return request;
    },
    onResponse: async ({ response }) => {
      this.keepCookie(response.headers);
      if (response.ok && response.headers.get('content-type')?.startsWith('application/json')) {
        const body = (await response.clone().json().catch(() => undefined)) as { csrfToken?: unknown; user?: { id?: unknown } } | undefined;
        if (typeof body?.csrfToken === 'string') {
          this.csrfToken = body.csrfToken;
          if (typeof body.user?.id === 'string') this.userId = body.user.id;
        }
      }
      return response;
    },
  };

  /** A sign-in sets the session cookie; a sign-out expires it. */
  private keepCookie(headers: Headers): void {
    for (const line of headers.getSetCookie?.() ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      if (!pair.trim().startsWith(`${SESSION_COOKIE}=`)) continue;
      const expired = pair.trim() === `${SESSION_COOKIE}=` || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      this.cookie = expired ? '' : pair.trim();
      if (expired) this.csrfToken = '';
    }
  }
}
