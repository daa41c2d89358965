/**
 * Isolation where each object lives. Every workspace-scoped operation of the served OpenAPI
 * document is called by four kinds of actor with the id of an object that is not theirs in each
 * place an id can go (path, body, query, run subject), and again with a random id in the same
 * place. A foreign object must never be acted on, the two answers must be the same (so the caller
 * cannot tell that the object exists), and nothing anywhere may have changed afterwards.
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@tenantatlas/testing';
import { GatewayClient } from '../../services/gateway/src/testing/gateway-client';
import { isList, observable, placementsOf, requestFor, workspaceOperations, type ObjectSet, type Operation } from './isolation/requests';
import { checkContractAtEnd } from './contract';
import { startStack, type Stack } from './ui-stack';

interface Actor {
  name: string;
  client: GatewayClient;
  /** the workspace whose routes this actor calls */
  workspaceId: string;
  /** objects the actor may use, for the places not under test */
  own: ObjectSet;
  /** objects that are not the actor's */
  foreign: ObjectSet[];
}

interface Workspace {
  id: string;
  owner: GatewayClient;
}

checkContractAtEnd();

describe('isolation matrix: foreign objects in every place an id can go', () => {
  let stack: Stack;
  let admin: GatewayClient;
  let outsider: GatewayClient;
  let readonly: GatewayClient;
  let limited: GatewayClient;
  let home: Workspace;
  let elsewhere: Workspace;
  const sets: Record<'northwind' | 'contoso' | 'elsewhere', ObjectSet> = {} as never;
  /** names that must never appear in an answer to someone the object is foreign to */
  const names: Record<keyof typeof sets, string> = { northwind: 'Northwind Matrix', contoso: 'Contoso Matrix', elsewhere: 'Elsewhere Matrix' };

  /** A tenant (with its open draft), a connection holding a secret, and a completed check run of it. */
  const objectsOf = async (ws: Workspace, name: string): Promise<ObjectSet> => {
    const base = `/api/workspaces/${ws.id}`;
    const ext = randomUUID();
    const must = async (path: string, body?: unknown) => {
      const res = await ws.owner.post(`${base}${path}`, body);
      if (res.status >= 300) throw new Error(`arranging ${path}: ${res.status} ${res.text}`);
      return res.json;
    };
    const draft = (await must('/drafts')).draft;
    const tenant = (await must(`/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: ext, name })).tenant.id as string;
    const connection = (await must('/connections', { tenant_id: tenant, display_name: `${name} app`, client_id: randomUUID(), target_tenant_id: ext, client_secret: `secret-${randomUUID()}` })).connection.id as string;
    const run = (await must('/runs', { tenant_id: tenant, type: 'provider.connection.check', subject: connection })).run.id as string;
    await waitFor(async () => (await ws.owner.get(`${base}/runs/${run}`)).json?.run?.status === 'completed', { timeoutMs: 60_000, what: `${name}'s check run` });
    return { tenant, draft: draft.id, run, connection };
  };

  /** Everything an owner can see of a workspace, in a form that changes if anything was changed. */
  const snapshot = async (ws: Workspace) => {
    const base = `/api/workspaces/${ws.id}`;
    const read = async (path: string) => {
      const res = await ws.owner.get(`${base}${path}`);
      if (res.status !== 200) throw new Error(`snapshot ${path}: ${res.status} ${res.text}`);
      return res.json;
    };
    return {
      tenants: (await read('/tenants?pageSize=200')).tenants.map((t: any) => [t.id, t.status, t.version]),
      drafts: (await read('/drafts?pageSize=200&includeTerminal=true')).drafts.map((d: any) => [d.draft.id, d.draft.version, d.draft.lifecycle_state]),
      connections: (await read('/connections?pageSize=200')).connections.map((c: any) => [c.id, c.version, c.is_default, c.enabled, c.display_name]),
      runs: (await read('/runs?pageSize=200')).runs.map((r: any) => [r.id, r.status, r.attempt_count]),
      members: (await read('/members')).members.length,
    };
  };

  /** The version an action on the draft or tenant in the path must name (read by its owner). */
  const versionFor = async (ws: Workspace, op: Operation, objects: ObjectSet): Promise<number> => {
    const base = `/api/workspaces/${ws.id}`;
    if (op.template.includes('{draftId}')) return (await ws.owner.get(`${base}/drafts/${objects.draft}`)).json?.draft?.version ?? 1;
    if (op.template.includes('{tenantId}')) return (await ws.owner.get(`${base}/tenants/${objects.tenant}`)).json?.tenant?.version ?? 1;
    return 1;
  };

  beforeAll(async () => {
    // every actor makes hundreds of calls in a minute: the per-actor rate limit is not under test here
    stack = await startStack({ name: 'isolation', envOf: { gateway: { RATE_LIMIT_PER_MINUTE: '100000' } } });
    admin = await new GatewayClient(stack.gatewayUrl).login(stack.admin.email, stack.admin.password);
    home = { id: (await admin.get('/api/me')).json.workspaces[0].id as string, owner: admin };
    const otherId = (await admin.post('/api/workspaces', { name: 'Elsewhere' })).json.id as string;
    outsider = await admin.addMember(otherId, { email: 'owner-elsewhere@example.test', role: 'owner' }, 'elsewhere-pass-1');
    elsewhere = { id: otherId, owner: outsider };

    sets.northwind = await objectsOf(home, names.northwind);
    sets.contoso = await objectsOf(home, names.contoso);
    sets.elsewhere = await objectsOf(elsewhere, names.elsewhere);
    readonly = await admin.addMember(home.id, { email: 'ro-matrix@example.test', role: 'readonly' }, 'readonly-pass-1');
    limited = await admin.addMember(home.id, { email: 'lim-matrix@example.test', role: 'operator', tenantIds: [sets.northwind.tenant] }, 'limited-pass-1');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a foreign object exactly as a random id, acts on none, and changes nothing', async () => {
    const actors: Actor[] = [
      { name: 'non-member', client: outsider, workspaceId: home.id, own: sets.northwind, foreign: [sets.contoso] },
      { name: 'member of another workspace', client: outsider, workspaceId: elsewhere.id, own: sets.elsewhere, foreign: [sets.contoso, sets.northwind] },
      { name: 'readonly member', client: readonly, workspaceId: home.id, own: sets.northwind, foreign: [sets.elsewhere] },
      { name: 'member limited to another tenant', client: limited, workspaceId: home.id, own: sets.northwind, foreign: [sets.contoso, sets.elsewhere] },
    ];
    const ownerOf = (workspaceId: string) => (workspaceId === home.id ? home : elsewhere);
    const nameOf = (set: ObjectSet) => (set === sets.contoso ? names.contoso : set === sets.northwind ? names.northwind : names.elsewhere);
    const ops = workspaceOperations((await admin.get('/api/openapi.json')).json);
    // Reads first: a refused write is recorded as a denial under the ids it named, and an audit
    // search for such an id would then find the caller's own attempt (which tells it nothing).
    const withIds = ops.filter((op) => placementsOf(op).length > 0).sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));
    expect(withIds.length).toBeGreaterThan(25);

    const before = [await snapshot(home), await snapshot(elsewhere)];
    const leaks: string[] = [];
    let calls = 0;
    for (const actor of actors) {
      for (const op of withIds) {
        for (const placement of placementsOf(op)) {
          for (const foreign of actor.foreign) {
            const id = foreign[placement.kind];
            const random = randomUUID();
            const ws = ownerOf(actor.workspaceId);
            const pathObjects = placement.where === 'path' ? foreign : actor.own;
            const version = await versionFor(ownerOf(pathObjects === sets.elsewhere ? elsewhere.id : home.id), op, pathObjects);
            const asForeign = requestFor(op, actor.workspaceId, actor.own, placement, id, version);
            // the same request with only the id swapped, so the two answers may differ in nothing else
            const asRandom = { ...asForeign, path: asForeign.path.split(id).join(random), body: asForeign.body && { ...asForeign.body } };
            if (asRandom.body && placement.where === 'body') asRandom.body[placement.name] = random;
            const send = (request: typeof asForeign) => actor.client.request(request.method, request.path, request.body ?? (op.method === 'GET' ? undefined : {}));
            const foreignAnswer = await send(asForeign);
            const randomAnswer = await send(asRandom);
            calls += 2;
            const where = `${actor.name}: ${op.method} ${op.template} with a foreign ${placement.kind} in ${placement.where} ${placement.name}`;
            const succeeded = foreignAnswer.status >= 200 && foreignAnswer.status < 300;
            if (succeeded && !isList(op)) leaks.push(`${where} → ${foreignAnswer.status} ${foreignAnswer.text.slice(0, 300)}`);
            if (observable(foreignAnswer, id) !== observable(randomAnswer, random)) {
              leaks.push(`${where}: answers differ\n  foreign ${foreignAnswer.status} ${foreignAnswer.text.slice(0, 300)}\n  random  ${randomAnswer.status} ${randomAnswer.text.slice(0, 300)}`);
            }
            if (foreignAnswer.text.includes(nameOf(foreign))) leaks.push(`${where}: the answer names the foreign object`);
          }
        }
      }
    }
    const after = [await snapshot(home), await snapshot(elsewhere)];
    console.log(`isolation matrix: ${withIds.length} routes, ${actors.length} actors, ${calls} calls, leaks = ${leaks.length}`);
    expect(leaks).toEqual([]);
    expect(after).toEqual(before);
  });

  it("lets a member limited to one tenant page every list one item at a time without learning of another tenant's objects, from items or page tokens", async () => {
    const base = `/api/workspaces/${home.id}`;
    const hidden = [sets.contoso.tenant, sets.contoso.draft, sets.contoso.run, sets.contoso.connection, names.contoso];
    // a page token is opaque to a client, but not secret: what it says decoded is what it tells
    const decoded = (token: string) => Buffer.from(token, 'base64url').toString('utf8');
    const told: string[] = [];
    const pageThrough = async (list: string, pageSize: number) => {
      const items: unknown[] = [];
      let token = '';
      for (let pages = 0; pages < 1_000; pages++) {
        const res = await limited.get(`${base}${list}${list.includes('?') ? '&' : '?'}pageSize=${pageSize}${token ? `&pageToken=${token}` : ''}`);
        expect([list, res.status]).toEqual([list, 200]);
        const key = Object.keys(res.json).find((k) => k !== 'next_page_token')!;
        items.push(...res.json[key]);
        told.push(res.text);
        token = res.json.next_page_token ?? '';
        if (!token) return items;
        // sealed: what the service's token says (the last item it read) stays with the gateway
        expect(token).toMatch(/^s1/);
        told.push(decoded(token));
      }
      throw new Error(`${list} did not end`);
    };
    const tenants = await pageThrough('/tenants', 1);
    const drafts = await pageThrough('/drafts?includeTerminal=true', 1);
    const connections = await pageThrough('/connections', 1);
    const runs = await pageThrough('/runs', 1);
    const audit = (await pageThrough('/audit', 50)) as { tenant_id: string | null }[];
    expect(tenants.map((t: any) => t.id)).toEqual([sets.northwind.tenant]);
    expect(connections.map((c: any) => c.id)).toEqual([sets.northwind.connection]);
    expect(runs.map((r: any) => r.id)).toEqual([sets.northwind.run]);
    expect(drafts.map((d: any) => d.draft.id)).toContain(sets.northwind.draft);
    // records of no tenant (members and their tenants, drafts before their tenant) are not a limited member's to read
    expect(audit.filter((r) => !r.tenant_id)).toEqual([]);
    expect(audit.some((r) => r.tenant_id === sets.northwind.tenant)).toBe(true);
    const leaked = hidden.flatMap((id) => told.filter((text) => text.includes(id)).map((text) => `${id} in ${text.slice(0, 300)}`));
    expect(leaked).toEqual([]);
  });
});
