import { z } from '@tenantatlas/core';
import { CAPABILITIES, ROLES } from '../../../domain/access';

const capability = z.enum(Object.keys(CAPABILITIES) as [keyof typeof CAPABILITIES, ...(keyof typeof CAPABILITIES)[]]);

export const userSchema = z.object({ id: z.string(), email: z.string(), displayName: z.string() });

export const tenantScopeSchema = z
  .discriminatedUnion('kind', [z.object({ kind: z.literal('all') }), z.object({ kind: z.literal('some'), tenantIds: z.array(z.string()) })])
  ;

export const workspaceSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.iso.datetime({ offset: true }) });

/** A workspace as one member sees it: with their role, what it grants and their tenant scope. */
export const workspaceMembershipSchema = workspaceSchema
  .extend({ role: z.enum(ROLES), capabilities: z.array(capability), tenantScope: tenantScopeSchema })
  ;

export const signedInResponse = z.object({ user: userSchema, csrfToken: z.string().nullable().describe('null when signed in with a bearer token') });
export const meResponse = signedInResponse.extend({ workspaces: z.array(workspaceMembershipSchema) });
export const capabilitiesResponse = z.object({
  capabilities: z.record(capability, z.string()),
  roles: z.record(z.enum(ROLES), z.array(capability)),
});
export const apiTokenResponse = z.object({ id: z.string(), token: z.string().describe('shown once') });

export const memberSchema = z
  .object({
    userId: z.string().nullable().describe('null while invited'),
    email: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(ROLES),
    tenantScope: tenantScopeSchema,
    status: z.enum(['active', 'invited']),
    expiresAt: z.iso.datetime({ offset: true }).nullable().describe('invited only: when the invitation stops working'),
  })
  ;
export const membersResponse = z.object({ members: z.array(memberSchema) });
export const memberAddedResponse = memberSchema.extend({
  invitation: z
    .object({ token: z.string(), url: z.string(), expiresAt: z.iso.datetime({ offset: true }) })
    .nullable()
    .describe('the one-time invitation link (201); null when an existing member was changed (200)'),
});
export const invitationAcceptedResponse = signedInResponse.extend({ workspace: z.object({ id: z.string(), name: z.string() }) });
