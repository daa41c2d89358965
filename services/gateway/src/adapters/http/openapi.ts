import { z } from '@tenantatlas/core';
import { CAPABILITIES } from '../../domain/access';
import type { RouteDef } from './route';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const PROBLEM = 'application/problem+json';
const errorResponse = (description: string) => ({
  description,
  content: { [PROBLEM]: { schema: { $ref: '#/components/schemas/Error' } } },
});

/** What every workspace change may meet in the services: a stale version, a state that forbids it. */
const MUTATION_PROBLEMS: Record<number, string> = {
  409: 'a version or state conflict: expected_version is stale (details.currentVersion), or the resource already exists / is busy',
  422: 'not possible in the current state (e.g. the tenant is archived, the draft is not ready, the run already completed)',
};

function successResponses(def: RouteDef): Record<string, object> {
  const success = def.success ?? { status: 200 };
  if (success.status === 204) return { 204: { description: 'done, no body' } };
  const types = success.contentTypes ?? ['application/json'];
  const content = Object.fromEntries(
    types.map((type) => [type, type === 'application/json' && success.body ? { schema: jsonSchema(success.body, 'output') } : { schema: { type: 'string' } }]),
  );
  const answers: Record<string, object> = { [success.status]: { description: 'success', content } };
  if (success.alsoStatus) answers[success.alsoStatus] = { description: 'success (see the summary)', content };
  return answers;
}

function parameters(def: RouteDef) {
  const pathNames = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const pathProps = (def.params ? (jsonSchema(def.params).properties as Record<string, object>) : {}) ?? {};
  const result: object[] = pathNames.map((name) => ({ name, in: 'path', required: true, schema: pathProps[name] ?? { type: 'string' } }));
  if (def.query) {
    const query = jsonSchema(def.query) as { properties?: Record<string, object>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      result.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
  }
  return result;
}

function operation(def: RouteDef) {
  const responses: Record<string, object> = {
    ...successResponses(def),
    400: errorResponse('the request does not match this schema (code REQUEST.INVALID, the field is named)'),
  };
  if (def.auth !== 'public') responses[401] = errorResponse('not signed in');
  if (def.auth === 'workspace') {
    responses[403] = errorResponse(`a member whose role lacks ${def.capability}`);
    responses[404] = errorResponse('not a member of the workspace, tenant outside the member scope, or no such resource');
  }
  if (def.auth === 'workspace' && def.method !== 'get') Object.assign(responses, errorResponses(MUTATION_PROBLEMS));
  if (def.body) responses[413] = errorResponse('the body is larger than 100 kB');
  Object.assign(responses, errorResponses(def.problems ?? {}));
  responses[429] = errorResponse('too many requests from you (Retry-After says when to try again)');
  responses[503] = errorResponse('a backend service, the database or the broker cannot answer right now (Retry-After says when to try again)');
  return {
    operationId: operationIdOf(def),
    summary: def.summary,
    tags: [def.tag],
    ...(def.capability ? { 'x-capability': def.capability } : {}),
    security: def.auth === 'public' ? [] : [{ session: [] }, { apiToken: [] }],
    parameters: parameters(def),
    // a body whose every field is optional may be left out (it reads as {})
    ...(def.body ? { requestBody: { required: !def.body.safeParse({}).success, content: { 'application/json': { schema: jsonSchema(def.body) } } } } : {}),
    responses,
  };
}

const errorResponses = (problems: Record<number, string>) =>
  Object.fromEntries(Object.entries(problems).map(([status, description]) => [status, errorResponse(description)]));

/** `postApiWorkspacesByWorkspaceIdDraftsByDraftIdActivate`: stable, derived from method and path. */
export const operationIdOf = (def: Pick<RouteDef, 'method' | 'path'>) =>
  `${def.method}${def.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

const TAGS: Record<string, string> = {
  auth: 'Sign-in, sessions, API tokens and the capability registry',
  workspaces: 'Workspaces and their members',
  tenants: 'Managed tenants',
  onboarding: 'Onboarding drafts: the wizard that brings a tenant under management',
  connections: 'Provider connections of a tenant (their secrets are write-only)',
  runs: 'Operation runs (the task board)',
  audit: 'The audit log',
  live: 'Live changes (Server-Sent Events)',
};

/** The OpenAPI 3.1 document, generated from the same route table that serves and validates requests. */
export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, object>> = {};
  for (const def of routes) (paths[def.path] ??= {})[def.method] = operation(def);
  return {
    openapi: '3.1.0',
    info: {
      title: 'TenantAtlas gateway API',
      version: '1.0.0',
      license: { name: 'Proprietary' },
      description:
        'Workspace-scoped API of the TenantAtlas control plane. Not a member (or tenant outside your scope) → 404; ' +
        'member without the capability → 403. Absent values are null (never an empty string); timestamps are RFC 3339. Errors are RFC 9457 problem documents (application/problem+json) with a stable `code`. ' +
        `Capabilities: ${Object.keys(CAPABILITIES).join(', ')}.`,
    },
    servers: [{ url: '/', description: 'this gateway' }],
    tags: [...new Set(routes.map((def) => def.tag))].map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'ta_session', description: 'writes also need the X-CSRF-Token header from sign-in' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'an API token (ta_<id>.<secret>) from POST /api/tokens' },
      },
      schemas: {
        Error: {
          type: 'object',
          description: 'RFC 9457 problem details; `code` is stable, `details` holds its facts (e.g. field, currentVersion)',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            details: { type: 'object' },
          },
        },
      },
    },
  };
}
