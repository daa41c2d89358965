import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from '@tenantatlas/core';
import type { AccessGuard } from '../../app/access-guard';
import type { Identity, Principal } from '../../app/identity';
import type { Membership } from '../../domain/access';
import { looksLikeJwt } from '../../domain/jwt';
import { pageTokenSeal } from '../../domain/page-token-seal';
import type { RateLimiter } from '../../domain/rate-limit';
import { gatewayError } from '../../domain/errors';
import { sendProblem, toHttpError } from './errors';
import type { OidcBearer } from './oidc';
import { present } from './responses/present';
import { isReply, STREAMED, type RouteContext, type RouteDef } from './route';

export const SESSION_COOKIE = 'ta_session';

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // not percent-encoded properly: no session, never a 500
    }
  }
  return undefined;
}

/** What a request proves who it is with: a bearer token first, then the UI's session cookie. */
type Credential = { kind: 'jwt' | 'api-token'; bearer: string } | { kind: 'session'; session: string } | { kind: 'none' };

function credentialOf(req: Request, oidc?: OidcBearer): Credential {
  const authorization = req.headers.authorization;
  if (authorization) {
    const bearer = /^Bearer (.+)$/i.exec(authorization)?.[1]?.trim() ?? '';
    return { kind: oidc && looksLikeJwt(bearer) ? 'jwt' : 'api-token', bearer };
  }
  const session = readCookie(req, SESSION_COOKIE);
  return session ? { kind: 'session', session } : { kind: 'none' };
}

/** A bearer token first (our API tokens, or the identity provider's JWTs), then the UI's session cookie. */
export async function authenticate(identity: Identity, req: Request, oidc?: OidcBearer): Promise<Principal | null> {
  const credential = credentialOf(req, oidc);
  if (credential.kind === 'session') return identity.fromSession(credential.session);
  if (credential.kind === 'none') return null;
  let principal: Principal | null = null;
  if (credential.kind === 'jwt') {
    const email = await oidc!.emailOf(credential.bearer);
    principal = email ? await identity.fromExternalSignIn(email) : null;
  } else if (credential.bearer) {
    principal = await identity.fromApiToken(credential.bearer);
  }
  if (!principal) throw gatewayError('AUTH.INVALID_TOKEN', 'the bearer token is not valid');
  return principal;
}

/**
 * Whether the credential a request came with still holds for the user it proved then (for a
 * response that outlives the request): a session or API token is read again by `_id`; an
 * identity provider's token is verified again (signature, expiry) against that user's e-mail, so
 * no user is looked up by e-mail.
 */
async function stillSignedIn(identity: Identity, req: Request, principal: Principal, oidc?: OidcBearer): Promise<boolean> {
  const credential = credentialOf(req, oidc);
  switch (credential.kind) {
    case 'session':
      return (await identity.fromSession(credential.session))?.user.id === principal.user.id;
    case 'api-token':
      return (await identity.fromApiToken(credential.bearer))?.user.id === principal.user.id;
    case 'jwt':
      return (await oidc!.emailOf(credential.bearer))?.toLowerCase() === principal.user.email.toLowerCase();
    default:
      return false;
  }
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (where === 'body' ? {} : value));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].join('.');
  throw gatewayError('REQUEST.INVALID', `${field}: ${issue.message}`, { field });
}

export interface PipelineDeps {
  identity: Identity;
  guard: AccessGuard;
  logger: Logger;
  /** per signed-in actor */
  actorLimiter: RateLimiter;
  /** per client address, for sign-in attempts */
  signInLimiter: RateLimiter;
  /** bearer JWTs of the organisation's identity provider, when configured */
  oidc?: OidcBearer;
  /** seals the page tokens of members limited to some tenants (domain/page-token-seal.ts) */
  pageTokenKey: Buffer;
}

function limit(limiter: RateLimiter, key: string): void {
  const decision = limiter.take(key, Date.now());
  if (decision.allowed) return;
  const retryAfterSeconds = Math.ceil(decision.retryAfterMs / 1000);
  throw gatewayError('REQUEST.RATE_LIMITED', `too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/** Authenticate → authorize (404/403, before any downstream call) → validate (400) → handle. */
export function handle(deps: PipelineDeps, def: RouteDef) {
  const operation = `${def.method.toUpperCase()} ${def.path}`;
  return async (req: Request, res: Response) => {
    try {
      if (def.auth === 'public') limit(deps.signInLimiter, req.ip ?? 'unknown');
      const principal = def.auth === 'public' ? null : await authenticate(deps.identity, req, deps.oidc);
      if (def.auth !== 'public' && !principal) throw gatewayError('AUTH.UNAUTHENTICATED', 'sign in first');
      if (principal) limit(deps.actorLimiter, principal.user.id);
      if (principal?.via === 'session' && def.method !== 'get' && req.get('x-csrf-token') !== principal.csrfToken) {
        throw gatewayError('AUTH.CSRF_TOKEN_INVALID', 'missing or wrong X-CSRF-Token header');
      }
      const rawParams = req.params as Record<string, string>;
      const workspaceId = rawParams.workspaceId ?? '';
      let membership: Membership | undefined;
      if (def.auth === 'workspace') {
        membership = await deps.guard.membership({
          user: principal!.user,
          workspaceId,
          capability: def.capability!,
          tenantId: def.tenantParam ? rawParams[def.tenantParam] : undefined,
          operation,
        });
      }
      const ctx: RouteContext<unknown, unknown, unknown> = {
        principal: principal!,
        membership: membership!,
        workspaceId,
        actor: principal ? { user_id: principal.user.id, display_name: principal.user.displayName, component: '' } : {},
        params: parse(def.params, rawParams, 'path') ?? rawParams,
        query: parse(def.query, req.query, 'query') ?? {},
        body: parse(def.body, req.body, 'body'),
        requireTenant: (tenantId, capability) =>
          deps.guard.check(membership!, { user: principal!.user, workspaceId, capability: capability ?? def.capability!, tenantId, operation }),
        requireCapability: (capability) => deps.guard.check(membership!, { user: principal!.user, workspaceId, capability, operation }),
        pageTokens: pageTokenSeal(deps.pageTokenKey, { userId: principal?.user.id ?? '', workspaceId }),
        membershipNow: async () => {
          if (!(await stillSignedIn(deps.identity, req, principal!, deps.oidc))) return null;
          return deps.guard.stillGranted({ user: principal!.user, workspaceId, capability: def.capability!, operation });
        },
        req,
        res,
      };
      const result = await def.handler(ctx);
      if (result === STREAMED) return;
      const { status, body } = isReply(result) ? result : { status: def.success?.status ?? 200, body: result };
      if (body === undefined) res.status(status).end();
      else res.status(status).json(def.success?.body ? present(def.success.body, body) : body);
    } catch (err) {
      sendError(deps.logger, res, err, operation);
    }
  };
}

export function sendError(logger: Logger, res: Response, err: unknown, operation: string): void {
  const { status, body, retryAfterSeconds } = toHttpError(err);
  if (status === 503) logger.warn({ code: body.code, details: body.details, operation }, 'backend unavailable');
  else if (status >= 500) logger.error({ err, operation }, 'request failed');
  if (retryAfterSeconds !== undefined && !res.headersSent) res.setHeader('retry-after', String(Math.ceil(retryAfterSeconds)));
  if (res.headersSent) {
    // a stream that fails half-way is cut, not ended: a client must not take the part it got for
    // the whole (a chunked body without its last chunk is an error to every HTTP client)
    res.destroy();
    return;
  }
  sendProblem(res, body);
}
