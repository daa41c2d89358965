import type { Request } from 'express';
import { z } from '@tenantatlas/core';
import type { AcceptInvitationUseCase, InviteeProof } from '../../../app/accept-invitation.use-case';
import type { InviteMemberUseCase } from '../../../app/invite-member.use-case';
import { membersSeenBy, ROLES } from '../../../domain/access';
import { looksLikeJwt } from '../../../domain/jwt';
import { gatewayError } from '../../../domain/errors';
import type { OidcBearer } from '../oidc';
import { id, reply, route, words, type RouteDef } from '../route';
import { invitationAcceptedResponse, memberAddedResponse, membersResponse } from '../responses/identity';
import { email, setSessionCookie, type IdentityRouteDeps } from './identity-routes';
import { requireTenantWhenLimited } from './scope';

export interface MemberRouteDeps extends IdentityRouteDeps {
  invite: InviteMemberUseCase;
  accept: AcceptInvitationUseCase;
  oidc?: OidcBearer;
  /** the UI's address as users reach it; unset = the address the inviter's request came to */
  publicUrl?: string;
}

const token = z.string().min(16).max(200).regex(/^[A-Za-z0-9_-]+$/, 'expected an invitation token');

/** The identity provider's bearer token when one is sent, else the password from the body. */
async function proofOf(req: Request, password: string | undefined, oidc: OidcBearer | undefined): Promise<InviteeProof> {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  if (bearer) {
    const vouched = oidc && looksLikeJwt(bearer) ? await oidc.emailOf(bearer) : null;
    if (!vouched) throw gatewayError('AUTH.INVALID_TOKEN', 'the bearer token is not valid');
    return { kind: 'provider', email: vouched };
  }
  // No proof of who accepts is a missing credential (401), like a request without a session: the
  // body is well formed either way, since a bearer token stands in for the password.
  if (!password) {
    throw gatewayError('AUTH.UNAUTHENTICATED', "give the password of the new account (or of your existing one), or the identity provider's bearer token", { field: 'body.password' });
  }
  return { kind: 'password', password };
}

export function memberRoutes(deps: MemberRouteDeps): RouteDef[] {
  const { store, identity, invite, accept, oidc } = deps;
  return [
    route({
      method: 'get',
      path: '/api/workspaces/{workspaceId}/members',
      summary:
        'Members (active) and open invitations (invited), with the e-mail and name the inviter gave, role and tenant scope ' +
        '(a member limited to some tenants sees those sharing a tenant with it, with only the shared tenants, and those over all tenants)',
      tag: 'workspaces',
      auth: 'workspace',
      capability: 'workspace.manage',
      success: { status: 200, body: membersResponse },
      async handler({ workspaceId, membership }) {
        return { members: membersSeenBy(membership, await store.listMembers(workspaceId)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/workspaces/{workspaceId}/members',
      summary:
        'Invite someone by e-mail (201: the pending member and a one-time invitation link, the same answer whether or not the e-mail has an account), ' +
        'or change the role and tenant scope of a member of this workspace (200); tenantIds null = all tenants',
      tag: 'workspaces',
      auth: 'workspace',
      capability: 'workspace.manage',
      success: { status: 201, body: memberAddedResponse, alsoStatus: 200 },
      problems: {
        400: 'a member limited to some tenants must name tenantIds (REQUEST.TENANT_REQUIRED)',
        403:
          'a member whose role lacks workspace.manage (ACCESS.CAPABILITY_MISSING); the owner role granted, or an owner changed, by someone not an owner (MEMBER.ROLE_TOO_HIGH); ' +
          'a member with tenants outside your scope changed (MEMBER.SCOPE_TOO_WIDE)',
        409: 'the change would leave no owner over all tenants (MEMBER.LAST_OWNER), or other changes of the member kept winning; try again (MEMBER.CONFLICT)',
      },
      body: z.object({
        email,
        displayName: words(100).optional(),
        role: z.enum(ROLES),
        tenantIds: z.array(id).max(500).nullable().optional(),
      }),
      async handler(ctx) {
        const { principal, workspaceId, body, membership, req } = ctx;
        // Nobody hands out more than they hold: a member limited to some tenants grants only those.
        if (body.tenantIds) for (const tenantId of body.tenantIds) ctx.requireTenant(tenantId);
        else requireTenantWhenLimited(ctx, 'body.tenantIds');
        const result = await invite.execute({
          ...body,
          inviter: principal.user,
          inviterRole: membership.role,
          inviterScope: membership.tenantScope,
          workspaceId,
          uiOrigin: (deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, ''),
        });
        if (result.outcome === 'changed') return reply(200, { ...result.member, invitation: null });
        return reply(201, { ...result.member, invitation: result.invitation });
      },
    }),
    route({
      method: 'post',
      path: '/api/invitations/accept',
      summary:
        'Accept an invitation (the token from its link): creates the account with this password, or needs the password of the e-mail\'s existing account ' +
        '(or the identity provider\'s bearer token for it); then signs you in like login',
      tag: 'auth',
      auth: 'public',
      problems: {
        401: 'no password and no bearer token (AUTH.UNAUTHENTICATED), not the password of the e-mail\'s account (AUTH.INVALID_CREDENTIALS), or a bearer token that is not valid for it',
        404: 'the invitation was used, expired, replaced by a newer one or never existed (INVITATION.NOT_FOUND)',
      },
      success: { status: 200, body: invitationAcceptedResponse },
      body: z.object({
        token,
        password: z.string().min(8).max(200).optional(),
        displayName: words(100).optional(),
      }),
      async handler({ body, req, res }) {
        const proof = await proofOf(req, body.password, oidc);
        const { user, workspace } = await accept.execute({ token: body.token, proof, displayName: body.displayName });
        const joined = { id: workspace.id, name: workspace.name };
        // A caller with the provider's token goes on with that token: no session here.
        if (proof.kind === 'provider') return { user, csrfToken: null, workspace: joined };
        const session = await identity.startSession(user);
        setSessionCookie(res, session.sessionToken, deps);
        return { user, csrfToken: session.csrfToken, workspace: joined };
      },
    }),
  ];
}
