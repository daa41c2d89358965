import type { LiveFeed } from '../../app/live-feed';
import type { AuditPort, ConnectionsPort, OnboardingPort, OperationsPort } from '../grpc/downstream';
import { openApiDocument } from './openapi';
import { runResponse } from './responses/operations';
import { present } from './responses/present';
import { expectedVersion, words, type RouteDef } from './route';
import { auditRoutes } from './routes/audit-routes';
import { connectionsRoutes } from './routes/connections-routes';
import { email, identityRoutes } from './routes/identity-routes';
import { liveRoutes } from './routes/live-routes';
import { memberRoutes, type MemberRouteDeps } from './routes/member-routes';
import { onboardingRoutes } from './routes/onboarding-routes';
import { operationsRoutes } from './routes/operations-routes';

/** Building the route table calls no port; the document only needs the table. */
const unused = {} as never;
const routes: RouteDef[] = [
  ...identityRoutes({ identity: unused, store: unused, cookieSecure: false, sessionTtlMs: 1 }),
  ...memberRoutes({ store: unused, identity: unused, invite: unused, accept: unused, cookieSecure: false, sessionTtlMs: 1 } as MemberRouteDeps),
  ...onboardingRoutes(unused as OnboardingPort),
  ...connectionsRoutes(unused as ConnectionsPort, unused as OperationsPort),
  ...operationsRoutes(unused as OperationsPort),
  ...auditRoutes(unused as AuditPort),
  ...liveRoutes(unused as LiveFeed),
];
type Operation = { operationId: string; tags: string[]; responses: Record<string, { content?: Record<string, { schema?: object }> }>; requestBody?: any };
const doc = openApiDocument(routes);
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, Operation>).map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, ...op })),
);
const byLabel = (label: string) => operations.find((op) => op.label === label)!;

describe('the OpenAPI document', () => {
  it('names servers, a license, tags and a unique operationId for every operation', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license.name).toBeTruthy();
    expect(new Set(operations.map((op) => op.operationId)).size).toBe(operations.length);
    const tags = new Set(doc.tags.map((t) => t.name));
    expect(operations.filter((op) => !op.tags.every((t) => tags.has(t))).map((op) => op.label)).toEqual([]);
  });

  it('documents every error as application/problem+json and every success with its body schema', () => {
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        const types = Object.keys(response.content ?? {});
        if (Number(status) >= 400) expect({ op: op.label, status, types }).toEqual({ op: op.label, status, types: ['application/problem+json'] });
        else if (types.includes('application/json')) expect({ op: op.label, status, schema: Boolean(response.content!['application/json']!.schema) }).toEqual({ op: op.label, status, schema: true });
      }
    }
    expect(Object.keys(byLabel('GET /api/workspaces/{workspaceId}/audit/export').responses[200]!.content!)).toEqual(['application/x-ndjson', 'text/csv']);
    expect(Object.keys(byLabel('GET /api/workspaces/{workspaceId}/events').responses[200]!.content!)).toEqual(['text/event-stream']);
  });

  it('declares the statuses the server answers: conflicts on changes, 401 on sign-in, 201 and 200 on adding a member', () => {
    const changes = operations.filter((op) => /\/drafts\/\{draftId\}\/\w+$|\/tenants\/\{tenantId\}\/(archive|restore)$/.test(op.label) && op.label.startsWith('POST'));
    expect(changes.length).toBe(9);
    for (const op of changes) expect({ op: op.label, statuses: Object.keys(op.responses) }).toEqual({ op: op.label, statuses: expect.arrayContaining(['409', '422']) });
    expect(Object.keys(byLabel('POST /api/auth/login').responses)).toContain('401');
    expect(Object.keys(byLabel('POST /api/workspaces/{workspaceId}/members').responses)).toEqual(expect.arrayContaining(['200', '201']));
  });

  it('states the constraints the server enforces (GUID client id, e-mail, page token)', () => {
    const body = (label: string) => byLabel(label).requestBody.content['application/json'].schema;
    expect(body('POST /api/workspaces/{workspaceId}/connections').properties.client_id.pattern).toMatch(/0-9a-fA-F/);
    expect(body('POST /api/workspaces/{workspaceId}/members').properties.email).toMatchObject({ format: 'email' });
    const runs = byLabel('GET /api/workspaces/{workspaceId}/runs') as unknown as { parameters: { name: string; schema: { pattern?: string } }[] };
    expect(runs.parameters.find((p) => p.name === 'pageToken')!.schema.pattern).toBeTruthy();
  });
});

describe('request schemas refuse what the document refuses', () => {
  it('an e-mail whose local part is longer than 64 characters, a blank name, a version beyond int32', () => {
    expect(email.safeParse(`${'a'.repeat(65)}@example.test`).success).toBe(false);
    expect(email.safeParse(`${'a'.repeat(64)}@example.test`).success).toBe(true);
    expect(email.safeParse(' someone@example.test').success).toBe(false);
    expect(words(10).safeParse('   ').success).toBe(false);
    expect(words(10).parse('  a  ')).toBe('a');
    expect(expectedVersion.safeParse(2 ** 31).success).toBe(false);
  });

  it('a draft connection with both or neither of connection_id / new_connection, an override without its reason', () => {
    const body = (path: string) => routes.find((r) => r.path === `/api/workspaces/{workspaceId}/drafts/{draftId}/${path}`)!.body!;
    const newConnection = { client_id: '11111111-1111-4111-8111-111111111111', target_tenant_id: 'contoso.example' };
    expect(body('connection').safeParse({ expected_version: 1, connection_id: 'c1' }).success).toBe(true);
    expect(body('connection').safeParse({ expected_version: 1, new_connection: newConnection }).success).toBe(true);
    expect(body('connection').safeParse({ expected_version: 1, connection_id: 'c1', new_connection: newConnection }).success).toBe(false);
    expect(body('connection').safeParse({ expected_version: 1 }).success).toBe(false);
    expect(body('activate').safeParse({ expected_version: 1, override: true, override_reason: ' ' }).success).toBe(false);
    expect(body('activate').safeParse({ expected_version: 1, override: true, override_reason: 'checked by hand' }).success).toBe(true);
    expect(body('activate').safeParse({ expected_version: 1 }).success).toBe(true);
  });
});

describe('presenting a response', () => {
  it('answers absent values as null, never as protobuf defaults, and drops fields the schema does not name', () => {
    const run = {
      id: 'r1', workspace_id: 'w1', tenant_id: '', type: 'x', subject: '', status: 'queued', outcome: '', reason_code: '', message: '',
      attempt_count: 0, max_attempts: 3, attempts: [], summary_counts: {}, context: {}, initiator: null, idempotency_key: '',
      created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', started_at: '', completed_at: '', next_attempt_at: '', rerun_of: '',
      internal_note: 'never sent',
    };
    const presented = present(runResponse, { run });
    expect(presented.run).toMatchObject({ tenant_id: null, outcome: null, completed_at: null, initiator: null, created_at: '2026-01-01T00:00:00.000Z' });
    expect(presented.run).not.toHaveProperty('internal_note');
  });
});
