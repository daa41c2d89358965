import { z } from '@tenantatlas/shared';
import { CAPABILITIES } from '../../domain/capabilities';
import type { RouteDef } from './route';

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

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
  const success = def.success ?? { status: 200 };
  const contentType = success.contentType ?? 'application/json';
  const responses: Record<string, object> = {
    [success.status]: { description: 'success', ...(success.status === 204 ? {} : { content: { [contentType]: {} } }) },
    400: errorResponse('the request does not match this schema (code REQUEST.INVALID, the field is named)'),
  };
  if (def.auth !== 'public') responses[401] = errorResponse('not signed in');
  if (def.auth === 'workspace') {
    responses[403] = errorResponse(`a member whose role lacks ${def.capability}`);
    responses[404] = errorResponse('not a member of the workspace, tenant outside the member scope, or no such resource');
  }
  for (const [status, description] of Object.entries(def.problems ?? {})) responses[status] = errorResponse(description);
  responses[429] = errorResponse('too many requests from you (Retry-After says when to try again)');
  responses[503] = errorResponse('a backend service, the database or the broker cannot answer right now (Retry-After says when to try again)');
  return {
    operationId: `${def.method}${def.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: def.summary,
    tags: [def.tag],
    ...(def.capability ? { 'x-capability': def.capability } : {}),
    security: def.auth === 'public' ? [] : [{ session: [] }, { apiToken: [] }],
    parameters: parameters(def),
    ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body) } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document, generated from the same route table that serves and validates requests. */
export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, object>> = {};
  for (const def of routes) (paths[def.path] ??= {})[def.method] = operation(def);
  return {
    openapi: '3.1.0',
    info: {
      title: 'TenantAtlas gateway API',
      version: '1.0.0',
      description:
        'Workspace-scoped API of the TenantAtlas control plane. Not a member (or tenant outside your scope) → 404; ' +
        'member without the capability → 403. Errors are RFC 9457 problem documents (application/problem+json) with a stable `code`. ' +
        `Capabilities: ${Object.keys(CAPABILITIES).join(', ')}.`,
    },
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
