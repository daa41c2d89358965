import { z } from 'zod';
import { eventData, flatSummary } from './data';
import type { EventSpec } from './spec';

const roleAndScope = z.looseObject({ role: z.string(), tenants: z.string() });

/** The gateway's identity and access events: workspaces, memberships, invitations, API tokens, denied access. */
export const GATEWAY_EVENTS = [
  {
    type: 'tenantatlas.gateway.workspace.created',
    subject: 'workspace/<workspaceId>',
    data: eventData({ after: z.looseObject({ name: z.string(), ownerUserId: z.string() }) }, 'A workspace was created with its owner.'),
  },
  {
    type: 'tenantatlas.gateway.membership.granted',
    subject: 'membership/<userId>',
    data: eventData(
      { after: roleAndScope, invitationId: z.string().optional(), invitedBy: z.string().optional() },
      'A user became a member of the workspace (accepting an invitation).',
    ),
  },
  {
    type: 'tenantatlas.gateway.membership.updated',
    subject: 'membership/<userId>',
    data: eventData({ before: roleAndScope, after: roleAndScope }, 'A member\'s role or tenant scope changed.'),
  },
  {
    type: 'tenantatlas.gateway.invitation.created',
    subject: 'invitation/<invitationId>',
    data: eventData({ after: flatSummary }, 'Someone was invited (the token stays with the inviter\'s answer).'),
  },
  {
    type: 'tenantatlas.gateway.api_token.created',
    subject: 'api_token/<tokenId>',
    data: eventData(
      { after: z.looseObject({ name: z.string(), userId: z.string() }) },
      'A member created an API token that acts as them in each workspace they belong to (one event in each; never the secret).',
    ),
  },
  {
    type: 'tenantatlas.gateway.access.denied',
    subject: 'workspace/<workspaceId>',
    data: eventData(
      { outcome: z.literal('denied'), reasonCode: z.string(), capability: z.string(), operation: z.string() },
      'A request was refused by the workspace and tenant isolation rules.',
    ),
  },
] as const satisfies readonly EventSpec[];
