/**
 * Builds the requests of the isolation matrix from the served OpenAPI document alone: which
 * workspace-scoped operations exist, where each can carry the id of a tenant, draft, run or
 * connection (path, body, query, run subject), and a body valid enough that a refusal can only
 * come from isolation.
 */
import { randomUUID } from 'node:crypto';

export type ObjectKind = 'tenant' | 'draft' | 'run' | 'connection';
/** One object of each kind that belongs together (a tenant, its open draft, a run, a connection). */
export type ObjectSet = Record<ObjectKind, string>;

export interface Operation {
  method: string;
  template: string;
  body?: JsonSchema;
  query: string[];
}

export interface Placement {
  where: 'path' | 'body' | 'query';
  name: string;
  kind: ObjectKind;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  minItems?: number;
}

const PATH_KINDS: Record<string, ObjectKind> = { tenantId: 'tenant', draftId: 'draft', runId: 'run', connectionId: 'connection' };
/** Body fields that name an object; a run's subject is a connection for the provider run types. */
const BODY_KINDS: Record<string, ObjectKind> = { tenant_id: 'tenant', connection_id: 'connection', subject: 'connection' };
const QUERY_KINDS: Record<string, ObjectKind> = { tenantId: 'tenant', subject: 'connection', subjectId: 'run' };

/** Every workspace-scoped operation of the document (the live event stream aside: it never ends). */
export function workspaceOperations(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods)
      .filter(() => template.startsWith('/api/workspaces/{workspaceId}') && !template.endsWith('/events'))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        body: op.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined,
        query: ((op.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'query').map((p) => p.name),
      })),
  );
}

/** Every place an operation can carry an object's id. */
export function placementsOf(op: Operation): Placement[] {
  const path = [...op.template.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1]!)
    .filter((name) => name in PATH_KINDS)
    .map((name): Placement => ({ where: 'path', name, kind: PATH_KINDS[name]! }));
  const body = Object.keys(op.body?.properties ?? {})
    .filter((name) => name in BODY_KINDS)
    .map((name): Placement => ({ where: 'body', name, kind: BODY_KINDS[name]! }));
  const query = op.query.filter((name) => name in QUERY_KINDS).map((name): Placement => ({ where: 'query', name, kind: QUERY_KINDS[name]! }));
  return [...path, ...body, ...query];
}

/** A list operation answers what matches its filters; for an id that matches nothing, that is an empty page. */
export const isList = (op: Operation) => op.method === 'GET' && !/\{(tenantId|draftId|runId|connectionId)\}$/.test(op.template);

/** Values that make a body legitimate apart from the id under test. */
const KNOWN: Record<string, (own: ObjectSet, version: number) => unknown> = {
  expected_version: (_own, version) => version,
  type: () => 'provider.connection.check',
  types: () => ['inventory.sync'],
  step: () => 'identify',
  external_tenant_id: () => randomUUID(),
  target_tenant_id: () => randomUUID(),
  client_id: () => randomUUID(),
  email: () => `matrix-${randomUUID()}@example.test`,
  role: () => 'readonly',
  reason: () => 'isolation matrix',
};

function sample(schema: JsonSchema): unknown {
  const variant = schema.anyOf ?? schema.oneOf;
  if (variant) return sample(variant.find((s) => s.type !== 'null') ?? variant[0]!);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return schema.minItems && schema.items ? [sample(schema.items)] : [];
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, sample(schema.properties?.[name] ?? {})]));
    default:
      return schema.format === 'uuid' ? randomUUID() : 'isolation matrix';
  }
}

/**
 * The request for `op` with the caller's own objects everywhere, except `placement`, which carries
 * `id`. `version` is the expected version of the draft or tenant the path names.
 */
export function requestFor(op: Operation, workspaceId: string, own: ObjectSet, placement: Placement, id: string, version: number) {
  const pick = (where: Placement['where'], name: string, kind: ObjectKind) => (placement.where === where && placement.name === name ? id : own[kind]);
  const path = op.template
    .replace('{workspaceId}', workspaceId)
    .replace(/\{(\w+)\}/g, (_m, name: string) => pick('path', name, PATH_KINDS[name] ?? 'tenant'));
  const query = placement.where === 'query' ? `?${new URLSearchParams({ [placement.name]: id })}` : '';
  let body: Record<string, unknown> | undefined;
  if (op.body) {
    body = {};
    for (const [name, schema] of Object.entries(op.body.properties ?? {})) {
      const required = op.body.required?.includes(name) ?? false;
      if (name in BODY_KINDS) body[name] = pick('body', name, BODY_KINDS[name]!);
      else if (name in KNOWN) {
        if (required || name === 'type') body[name] = KNOWN[name]!(own, version);
      } else if (required) body[name] = sample(schema);
    }
  }
  return { method: op.method, path: `${path}${query}`, body };
}

/**
 * What a caller can read from an answer, with the id it sent replaced: two answers that differ only
 * in that id tell the caller nothing about the object.
 */
export function observable(answer: { status: number; text: string; headers: Headers }, id: string): string {
  const body = answer.text.split(id).join('<id>');
  return JSON.stringify({ status: answer.status, contentType: answer.headers.get('content-type'), body });
}
