import { catalogEntry, dataSchemaUri } from './events/catalog';
import { toCloudEvent, toKafkaMessage } from './cloud-event';
import { createEvent, eventKey, parseEnvelope } from './envelope';

const denied = () =>
  createEvent({
    type: 'tenantatlas.gateway.access.denied',
    subject: 'workspace/ws-1',
    workspaceId: 'ws-1',
    tenantId: 'tenant-1',
    actor: { kind: 'user', userId: 'user-1', displayName: 'Ada' },
    data: { outcome: 'denied', reasonCode: 'TENANT_OUT_OF_SCOPE', capability: 'tenant.read', operation: 'GET /tenants/x' },
  });

describe('CloudEvents on Kafka (structured mode)', () => {
  it('writes CloudEvents 1.0 attributes: lower-case names, scalar extensions, a URI source and the data schema', () => {
    const event = { ...denied(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const message = toKafkaMessage(event, eventKey(event));
    const wire = JSON.parse(message.value) as Record<string, unknown>;

    expect(message.key).toBe('tenant-1');
    expect(message.headers).toEqual({ 'content-type': 'application/cloudevents+json; charset=UTF-8', traceparent: event.traceparent });
    expect(wire).toEqual({
      specversion: '1.0',
      id: event.id,
      type: 'tenantatlas.gateway.access.denied',
      source: '/tenantatlas/gateway',
      time: event.time,
      subject: 'workspace/ws-1',
      datacontenttype: 'application/json',
      dataschema: dataSchemaUri('tenantatlas.gateway.access.denied'),
      workspaceid: 'ws-1',
      tenantid: 'tenant-1',
      actorkind: 'user',
      actorid: 'user-1',
      actorname: 'Ada',
      traceparent: event.traceparent,
      data: event.data,
    });
    for (const [name, value] of Object.entries(wire)) {
      expect(name).toMatch(/^[a-z0-9]+$/);
      if (name !== 'data') expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
    expect(catalogEntry(event.type)!.data.safeParse(wire.data).success).toBe(true);
  });

  it('decodes what it writes back into the same event', () => {
    const event = denied();
    expect(parseEnvelope(toKafkaMessage(event, eventKey(event)).value)).toEqual({ ok: true, event });
  });

  it('decodes what it writes when loaded the way services load it, through the package index', () => {
    // the envelope and CloudEvent modules import each other: a fresh registry loads them in the index's order
    jest.isolateModules(() => {
      const kafka = require('./index') as typeof import('./index');
      const event = denied();
      expect(kafka.parseEnvelope(kafka.toKafkaMessage(event, kafka.eventKey(event)).value)).toEqual({ ok: true, event });
    });
  });

  it('leaves out the tenant of a tenant-less event (no null attributes) and reads it back as null', () => {
    const event = createEvent({
      type: 'tenantatlas.gateway.workspace.created',
      subject: 'workspace/ws-2',
      workspaceId: 'ws-2',
      actor: { kind: 'system', component: 'gateway' },
      data: { after: { name: 'Two', ownerUserId: 'user-2' } },
    });
    const wire = toCloudEvent(event);
    expect('tenantid' in wire).toBe(false);
    expect(wire).toMatchObject({ actorkind: 'system', actorid: 'gateway' });
    const parsed = parseEnvelope(JSON.stringify(wire));
    expect(parsed.ok && parsed.event).toEqual(event);
    expect(parsed.ok && parsed.event.tenantId).toBeNull();
  });

  it('still decodes an event in the previous envelope, written by a producer of the last release', () => {
    // exactly what the previous release put on the topics (value; headers were ce-id/ce-type/traceparent)
    const previous = {
      specversion: '1.0',
      id: '5f0c2f9e-2d0e-4d43-a7cb-7c55a8a0d001',
      type: 'tenantatlas.operations.run.succeeded',
      source: 'operations',
      time: '2026-12-01T10:00:00.000Z',
      subject: 'run/run-1',
      workspaceId: 'ws-1',
      tenantId: 'tenant-1',
      actor: { kind: 'system', component: 'operations-worker' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { runId: 'run-1', status: 'completed', outcome: 'succeeded' },
    };
    expect(parseEnvelope(Buffer.from(JSON.stringify(previous)))).toEqual({ ok: true, event: previous });
  });

  it('refuses a CloudEvent without the workspace scope, naming the attribute', () => {
    const { workspaceid: _, ...unscoped } = toCloudEvent(denied());
    const parsed = parseEnvelope(JSON.stringify(unscoped));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/^invalid envelope: workspaceid/);
  });
});
