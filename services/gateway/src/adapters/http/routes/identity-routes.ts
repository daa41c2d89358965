import type { Response } from 'express';
import { z } from '@tenantatlas/core';
import type { Identity } from '../../../app/identity';
import type { IdentityStore, User } from '../../../app/ports';
import { CAPABILITIES, capabilitiesOf, ROLES } from '../../../domain/access';
import { SESSION_COOKIE, readCookie } from '../pipeline';
import { reply, route, words, type RouteDef } from '../route';
import { apiTokenResponse, capabilitiesResponse, meResponse, signedInResponse, workspaceMembershipSchema, workspaceSchema } from '../responses/identity';

export interface IdentityRouteDeps {
  identity: Identity;
  store: IdentityStore;
  cookieSecure: boolean;
  sessionTtlMs: number;
}

/**
 * Checked as sent (the document's `format: email` and pattern are the server's; a local part of at
 * most 64 characters, domain labels of at most 63), then compared lower-case.
 */
export const email = z
  .string()
  .max(254)
  .email()
  .refine((value) => {
    const [local, domain] = [value.slice(0, value.lastIndexOf('@')), value.slice(value.lastIndexOf('@') + 1)];
    return local.length <= 64 && domain.split('.').every((label) => label.length <= 63);
  }, 'expected an e-mail address')
  .toLowerCase();

/** The UI session cookie: HttpOnly (scripts never see it), SameSite=Strict (no cross-site sends). */
export function setSessionCookie(res: Response, sessionToken: string, options: { cookieSecure: boolean; sessionTtlMs: number }): void {
  res.cookie(SESSION_COOKIE, sessionToken, { httpOnly: true, sameSite: 'strict', secure: options.cookieSecure, path: '/', maxAge: options.sessionTtlMs });
}

export function identityRoutes({ identity, store, cookieSecure, sessionTtlMs }: IdentityRouteDeps): RouteDef[] {
  /** Something the signed-in user creates by giving it a name (201 with what was made). */
  const createNamed = (path: string, summary: string, tag: string, body: z.ZodType, create: (user: User, name: string) => Promise<unknown>) =>
    route({
      method: 'post',
      path,
      summary,
      tag,
      auth: 'user',
      success: { status: 201, body },
      body: z.object({ name: words(100) }),
      async handler({ principal, body: { name } }) {
        return reply(201, await create(principal.user, name));
      },
    });

  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in; sets the HttpOnly session cookie and returns the CSRF token for writes',
      tag: 'auth',
      auth: 'public',
      body: z.object({ email, password: z.string().min(1).max(200) }),
      problems: { 401: 'wrong e-mail or password (AUTH.INVALID_CREDENTIALS), the same answer for both' },
      success: { status: 200, body: signedInResponse },
      async handler({ body, res }) {
        const session = await identity.signIn(body.email, body.password);
        setSessionCookie(res, session.sessionToken, { cookieSecure, sessionTtlMs });
        return { user: session.user, csrfToken: session.csrfToken };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Sign out (ends the session)',
      tag: 'auth',
      auth: 'user',
      success: { status: 204 },
      async handler({ req, res }) {
        const token = readCookie(req, SESSION_COOKIE);
        if (token) await identity.signOut(token);
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply(204);
      },
    }),
    route({
      method: 'get',
      path: '/api/me',
      summary: 'The signed-in user, the CSRF token of this session and every workspace with role, capabilities and tenant scope',
      tag: 'auth',
      auth: 'user',
      success: { status: 200, body: meResponse },
      async handler({ principal }) {
        const workspaces = await store.workspacesOf(principal.user.id);
        return {
          user: principal.user,
          csrfToken: principal.csrfToken ?? null,
          workspaces: workspaces.map(({ workspace, membership }) => ({
            ...workspace,
            role: membership.role,
            capabilities: capabilitiesOf(membership.role),
            tenantScope: membership.tenantScope,
          })),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/capabilities',
      summary: 'The capability registry and what each role grants',
      tag: 'auth',
      auth: 'user',
      success: { status: 200, body: capabilitiesResponse },
      async handler() {
        return { capabilities: CAPABILITIES, roles: Object.fromEntries(ROLES.map((role) => [role, capabilitiesOf(role)])) };
      },
    }),
    createNamed('/api/tokens', 'Create an API token acting as you (shown once; only its hash is stored)', 'auth', apiTokenResponse, (user, name) =>
      identity.createApiToken(user, name),
    ),
    createNamed('/api/workspaces', 'Create a workspace; you become its owner', 'workspaces', workspaceSchema, (user, name) =>
      identity.createWorkspace(user, name),
    ),
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}',
      summary: 'The workspace and your membership in it',
      tag: 'workspaces',
      auth: 'workspace',
      capability: 'tenant.view',
      success: { status: 200, body: workspaceMembershipSchema },
      async handler({ workspaceId, membership }) {
        const workspace = await store.findWorkspace(workspaceId);
        return { ...workspace, role: membership.role, capabilities: capabilitiesOf(membership.role), tenantScope: membership.tenantScope };
      },
    }),
  ];
}
