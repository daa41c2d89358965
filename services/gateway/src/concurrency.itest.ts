import type { Connection } from 'mongoose';
import type { EventConsumer, EventEnvelope } from '@tenantatlas/kafka';
import { connectMongo } from '@tenantatlas/store';
import { startService, testInfra, uniqueName, waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { GatewayClient } from './testing/gateway-client';
import { followSecurityEvents } from './testing/security-events';

/**
 * Two gateway processes (replicas, as the Helm chart runs them) on one FerretDB and one Kafka: 100
 * concurrent role changes of one member, split across both. Each version of the membership is won
 * by exactly one change; the others are told MEMBER.CONFLICT; what was won is what is stored,
 * what the member list shows and what was published on the security-events topic, nothing more
 * or less.
 */
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const MEMBER = 'member@example.test';
const CHANGES = 100;
const ROLES = ['readonly', 'operator', 'manager'] as const;

type Scope = { role: string; tenants: string };
type Outcome = { i: number; via: number; status: number; code?: string };

describe('memberships under concurrent changes from two gateway processes', () => {
  const infra = testInfra();
  const prefix = `${uniqueName('gw-conc')}.`;
  const db = uniqueName('gateway');
  const env = { MONGO_DB: db, KAFKA_TOPIC_PREFIX: prefix, GATEWAY_SEED_ADMIN_EMAIL: ADMIN.email, GATEWAY_SEED_ADMIN_PASSWORD: ADMIN.password };
  const gateways: ServiceProcess[] = [];
  const published: EventEnvelope[] = [];
  let consumer: EventConsumer;
  let mongo: Connection;
  /** the admin signed in on each process */
  let admins: GatewayClient[];
  /** the member signed in on each process */
  let members: GatewayClient[];
  let ws: string;
  let memberId: string;

  beforeAll(async () => {
    // one after the other: the first seeds the admin, the second finds it
    for (let k = 0; k < 2; k++) gateways.push(await startService('gateway', { env, portVariable: 'HTTP_PORT', readiness: { httpPath: '/readyz' } }));
    consumer = await followSecurityEvents(infra.kafkaBrokers, prefix, published);
    mongo = await connectMongo(infra.mongoUrl, db);
    admins = await Promise.all(gateways.map((g) => new GatewayClient(`http://${g.address}`).login(ADMIN.email, ADMIN.password)));
    ws = await admins[0]!.firstWorkspace();
    memberId = (await admins[0]!.addMember(ws, { email: MEMBER, role: 'readonly' }, 'member-pass-1')).userId;
    members = await Promise.all(gateways.map((g) => new GatewayClient(`http://${g.address}`).login(MEMBER, 'member-pass-1')));
    // each process reads the membership as it is before the changes
    for (const member of members) expect((await member.get(`/api/workspaces/${ws}`)).json).toMatchObject({ role: 'readonly', tenantScope: { kind: 'all' } });
  });

  afterAll(async () => {
    await consumer?.stop();
    await mongo?.close();
    await Promise.all(gateways.map((g) => g.stop()));
  });

  /** The membership's versions as stored, in order: version 2 is the first change. */
  const storedVersions = async () => {
    const docs = await mongo.db!.collection('membership_revisions').find({ entityId: `${ws}:${memberId}` }).toArray();
    return docs.map((d) => ({ version: d.revision as number, role: d.body.role as string, tenants: (d.body.tenantIds as string[]).join(',') })).sort((a, b) => a.version - b.version);
  };

  /** Published membership changes of the member, each once: delivery is at least once, consumers dedupe by event id. */
  const changesPublished = () => {
    const events = published.filter((e) => e.type === 'tenantatlas.gateway.membership.updated' && e.subject === `membership/${memberId}` && e.workspaceId === ws);
    return [...new Map(events.map((e) => [e.id, e.data as { before: Scope; after: Scope }])).values()];
  };

  it('gives each version of a membership to exactly one of 100 concurrent role changes, and publishes exactly the winners', async () => {
    // change i asks for tenant-i alone, so every change is told apart in what is stored and published
    const asked = (i: number): Scope => ({ role: ROLES[i % ROLES.length]!, tenants: `tenant-${i}` });
    const outcomes = await Promise.all(
      Array.from({ length: CHANGES }, async (_, i): Promise<Outcome> => {
        const via = i % 2;
        const res = await admins[via]!.post(`/api/workspaces/${ws}/members`, { email: MEMBER, role: asked(i).role, tenantIds: [asked(i).tenants] });
        return { i, via, status: res.status, code: res.json?.code };
      }),
    );
    const won = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status !== 200);
    console.log(`role changes: ${won.length} won (${[0, 1].map((via) => won.filter((o) => o.via === via).length).join(' + ')} by process 1 + 2), ${refused.length} refused`);
    expect(refused.map((o) => `${o.status} ${o.code}`)).toEqual(refused.map(() => '409 MEMBER.CONFLICT'));
    expect(won.length).toBeGreaterThan(0);

    // versions 2..n+1, each holding exactly one winner's change
    const versions = await storedVersions();
    expect(versions.map((v) => v.version)).toEqual(won.map((_, k) => k + 2));
    expect(versions.map(({ role, tenants }) => ({ role, tenants })).sort(byTenants)).toEqual(won.map((o) => asked(o.i)).sort(byTenants));

    // the member as both processes list it and authorize it: the last winner's role and scope
    const last = versions[versions.length - 1]!;
    const scope = { role: last.role, tenantScope: { kind: 'some', tenantIds: [last.tenants] } };
    for (const [k, admin] of admins.entries()) {
      const listed = (await admin.get(`/api/workspaces/${ws}/members`)).json.members.find((m: { userId: string }) => m.userId === memberId);
      expect(listed).toMatchObject(scope);
      expect((await members[k]!.get(`/api/workspaces/${ws}`)).json).toMatchObject(scope);
    }

    // one event per winner, each naming the version it replaced: one unbroken history
    const events = await waitFor(() => (changesPublished().length >= won.length ? changesPublished() : undefined), {
      timeoutMs: 60_000,
      what: `${won.length} membership.updated events`,
    });
    const history = [{ role: 'readonly', tenants: 'all' }, ...versions.map(({ role, tenants }) => ({ role, tenants }))];
    const expected = versions.map((_, k) => ({ before: history[k], after: history[k + 1] }));
    expect(events.sort((a, b) => byTenants(a.after, b.after))).toEqual(expected.sort((a, b) => byTenants(a.after!, b.after!)));
  });
});

const byTenants = (a: { tenants: string }, b: { tenants: string }) => a.tenants.localeCompare(b.tenants);
