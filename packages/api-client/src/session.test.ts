import { createApiClient } from './index';

/** A stand-in gateway: answers sign-in and sign-out like the real one, and keeps what it was sent. */
function gateway() {
  const seen: { method: string; path: string; cookie: string | null; csrf: string | null; authorization: string | null }[] = [];
  const fetch = async (input: Request) => {
    const path = new URL(input.url).pathname;
    seen.push({ method: input.method, path, cookie: input.headers.get('cookie'), csrf: input.headers.get('x-csrf-token'), authorization: input.headers.get('authorization') });
    const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
    if (path === '/api/auth/login') {
      headers.append('set-cookie', 'ta_session=s3cret; Path=/; HttpOnly; SameSite=Strict');
      return new Response(JSON.stringify({ user: { id: 'u1', email: 'a@example.test', displayName: 'A' }, csrfToken: 'csrf-1' }), { status: 200, headers });
    }
    if (path === '/api/auth/logout') {
      headers.append('set-cookie', 'ta_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
      return new Response(null, { status: 204, headers });
    }
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers });
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}

describe('credentials middleware', () => {
  it('keeps the session from the sign-in: the cookie on every request, the CSRF token on writes only, both gone after sign-out', async () => {
    const { seen, fetch } = gateway();
    const api = createApiClient({ baseUrl: 'http://gateway.test', fetch });
    await api.POST('/api/auth/login', { body: { email: 'a@example.test', password: 'pw' } });
    await api.GET('/api/me');
    await api.POST('/api/workspaces/{workspaceId}/drafts', { params: { path: { workspaceId: 'ws1' } } });
    await api.POST('/api/auth/logout');
    await api.GET('/api/me');
    expect(seen.map(({ method, path, cookie, csrf }) => [method, path, cookie, csrf])).toEqual([
      ['POST', '/api/auth/login', null, null],
      ['GET', '/api/me', 'ta_session=s3cret', null],
      ['POST', '/api/workspaces/ws1/drafts', 'ta_session=s3cret', 'csrf-1'],
      ['POST', '/api/auth/logout', 'ta_session=s3cret', 'csrf-1'],
      ['GET', '/api/me', null, null],
    ]);
    expect(api.credentials.userId).toBe('u1');
  });

  it('sends an API token as a bearer token, with no cookie and no CSRF token', async () => {
    const { seen, fetch } = gateway();
    const api = createApiClient({ baseUrl: 'http://gateway.test', apiToken: 'ta_t1.secret', fetch });
    await api.POST('/api/workspaces/{workspaceId}/drafts', { params: { path: { workspaceId: 'ws1' } } });
    expect(seen).toEqual([{ method: 'POST', path: '/api/workspaces/ws1/drafts', cookie: null, csrf: null, authorization: 'Bearer ta_t1.secret' }]);
  });
});
