import { gunzipSync, gzipSync } from 'node:zlib';
import { CLOUDEVENTS_CONTENT_TYPE, parseEnvelope } from '@tenantatlas/kafka';
import { startService, uniqueName, waitFor } from '@tenantatlas/testing';
import type { KafkaMessage } from 'kafkajs';
import { SEGMENT_PLACES } from './domain/chain-segment';
import { AuditFixture, lifecycleEvent } from './testing/audit-fixture';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('audit ingestion (real Kafka, FerretDB and audit process)', () => {
  const audit = new AuditFixture();
  beforeAll(() => audit.start());
  afterAll(() => audit.stop());

  function onboardingStory(workspaceId: string) {
    const tenantId = uniqueName('tenant');
    return [
      {
        topic: audit.topics.onboardingEvents,
        event: lifecycleEvent({
          type: 'tenantatlas.onboarding.draft.created',
          subject: 'draft/d-1',
          workspaceId,
          actor: { kind: 'user', userId: 'user-ada', displayName: 'Ada' },
          data: { after: { state: 'identify' } },
          traceparent: TRACEPARENT,
        }),
      },
      {
        topic: audit.topics.connectionsEvents,
        event: lifecycleEvent({
          type: 'tenantatlas.connections.connection.verified',
          subject: 'connection/c-1',
          workspaceId,
          tenantId,
          actor: { kind: 'user', userId: 'user-ada' },
          data: { outcome: 'verified', before: { status: 'pending', clientSecret: 'never-stored' }, after: { status: 'verified' } },
        }),
      },
      {
        topic: audit.topics.operationsEvents,
        event: lifecycleEvent({
          type: 'tenantatlas.operations.run.failed',
          subject: 'run/r-1',
          workspaceId,
          tenantId,
          actor: { kind: 'system', component: 'operations-worker' },
          data: { outcome: 'failed', reasonCode: 'PROVIDER.THROTTLED', attempts: 3 },
        }),
      },
      {
        topic: audit.topics.securityEvents,
        event: lifecycleEvent({
          type: 'tenantatlas.gateway.access.denied',
          subject: 'workspace/' + workspaceId,
          workspaceId,
          actor: { kind: 'user', userId: 'user-eve' },
          data: { outcome: 'denied', reasonCode: 'CAPABILITY.MISSING', capability: 'runs.start' },
        }),
      },
    ];
  }

  it('records every lifecycle event exactly once, with its actor, even when it is published three times', async () => {
    const workspaceId = uniqueName('ws');
    const story = onboardingStory(workspaceId);
    for (let i = 0; i < 3; i++) await audit.publisher.publish(story);

    await audit.waitForCount(workspaceId, 4);
    const { events } = await audit.client.ListAuditEvents({ workspace_id: workspaceId, page: { page_size: 100 } });
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.event_id))).toEqual(new Set(story.map((s) => s.event.id)));
    expect([...events.map((e) => Number(e.seq))].sort()).toEqual([1, 2, 3, 4]);

    const byAction = new Map(events.map((e) => [e.action, e]));
    expect(byAction.get('draft.created')).toMatchObject({
      source_service: 'onboarding',
      actor_kind: 'user',
      actor: { user_id: 'user-ada', display_name: 'Ada', component: '' },
      subject_type: 'draft',
      subject_id: 'd-1',
      after: { state: 'identify' },
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(byAction.get('connection.verified')).toMatchObject({ outcome: 'verified', before: { status: 'pending' } });
    expect(byAction.get('run.failed')).toMatchObject({
      actor_kind: 'system',
      actor: { component: 'operations-worker', user_id: '' },
      outcome: 'failed',
      reason_code: 'PROVIDER.THROTTLED',
      details: { attempts: '3' },
    });
    expect(byAction.get('access.denied')).toMatchObject({ actor: { user_id: 'user-eve' }, reason_code: 'CAPABILITY.MISSING' });
    expect(JSON.stringify(events)).not.toContain('never-stored');
    expect(await audit.client.VerifyAuditChain({ workspace_id: workspaceId })).toMatchObject({ ok: true, records_checked: '4' });
  });

  it('adds nothing when a new consumer group replays every topic from the beginning, and repairs a lagging head', async () => {
    const workspaceId = uniqueName('ws');
    await audit.publisher.publish(onboardingStory(workspaceId));
    await audit.waitForCount(workspaceId, 4);
    const before = await audit.records.countDocuments({});

    // A crash between inserting record 4 and advancing the head leaves the head at 3.
    const third = await audit.records.findOne({ workspaceId, seq: 3 });
    await audit.heads.updateOne({ _id: workspaceId as never }, { $set: { seq: 3, hash: third!.hash } });

    await audit.stopService();
    await audit.startService({ AUDIT_CONSUMER_GROUP: uniqueName('replay') });
    await audit.waitUntilCaughtUp('the replay');
    expect(await audit.records.countDocuments({})).toBe(before);

    const late = lifecycleEvent({ type: 'tenantatlas.onboarding.draft.completed', subject: 'draft/d-1', workspaceId });
    await audit.publisher.publish([{ topic: audit.topics.onboardingEvents, event: late }]);
    await audit.waitForCount(workspaceId, 5);
    const { events } = await audit.client.ListAuditEvents({ workspace_id: workspaceId, page: { page_size: 1 } });
    expect(events[0]).toMatchObject({ event_id: late.id, seq: '5', action: 'draft.completed' });
    expect(await audit.client.VerifyAuditChain({ workspace_id: workspaceId })).toMatchObject({ ok: true, records_checked: '5', last_seq: '5' });
  });

  it('detects a record edited or deleted directly in the database and names the first bad seq', async () => {
    const edited = uniqueName('ws');
    const deleted = uniqueName('ws');
    await audit.publisher.publish([...onboardingStory(edited), ...onboardingStory(deleted)]);
    await audit.waitForCount(edited, 4);
    await audit.waitForCount(deleted, 4);

    await audit.records.updateOne({ workspaceId: edited, seq: 2 }, { $set: { outcome: 'succeeded' } });
    expect(await audit.client.VerifyAuditChain({ workspace_id: edited })).toMatchObject({
      ok: false,
      first_bad_seq: '2',
      problem: 'HASH_MISMATCH',
    });

    await audit.records.deleteOne({ workspaceId: deleted, seq: 3 });
    expect(await audit.client.VerifyAuditChain({ workspace_id: deleted })).toMatchObject({
      ok: false,
      first_bad_seq: '3',
      problem: 'RECORD_MISSING',
    });

    await audit.records.deleteOne({ workspaceId: deleted, seq: 4 });
    const copy = (await audit.records.findOne({ workspaceId: deleted, seq: 2 }))!;
    await audit.records.insertOne({ ...copy, _id: `${deleted}:3` as never, eventId: 'forged', seq: 3 });
    expect(await audit.client.VerifyAuditChain({ workspace_id: deleted })).toMatchObject({ ok: false, first_bad_seq: '3' });
  });

  it('seals a segment when it fills; verification hashes the sealed records again and names an edit there', async () => {
    const workspaceId = uniqueName('ws');
    const count = SEGMENT_PLACES + 20;
    const events = Array.from({ length: count }, (_, i) =>
      lifecycleEvent({ type: 'tenantatlas.operations.run.started', subject: `run/r-${i}`, workspaceId, tenantId: 'tenant-1' }),
    );
    for (let i = 0; i < count; i += 500) {
      await audit.publisher.publish(events.slice(i, i + 500).map((event) => ({ topic: audit.topics.operationsEvents, event })));
    }
    await audit.waitForCount(workspaceId, count);
    const id = `${workspaceId}:1` as never;
    // stored packed: a quarter of the text's size
    const sealed = (await audit.segments.findOne({ _id: id }))!;
    const packed = Buffer.from((sealed.packed as { buffer: Uint8Array }).buffer);
    const text = gunzipSync(packed).toString('utf8');
    expect(packed.length).toBeLessThan(text.length / 2);
    const lines = text.split('\n').map((line) => JSON.parse(line) as { seq: number; eventId: string; subjectId: string });
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: SEGMENT_PLACES }, (_, i) => i + 1));
    const published = new Set(events.map((e) => e.id));
    expect(new Set(lines.map((l) => l.eventId)).size).toBe(SEGMENT_PLACES);
    expect(lines.every((l) => published.has(l.eventId))).toBe(true);
    expect(await audit.client.VerifyAuditChain({ workspace_id: workspaceId })).toMatchObject({ ok: true, records_checked: String(count) });

    lines[6]!.subjectId = 'r-forged';
    await audit.segments.updateOne({ _id: id }, { $set: { packed: gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')) } });
    expect(await audit.client.VerifyAuditChain({ workspace_id: workspaceId })).toMatchObject({ ok: false, first_bad_seq: '7', problem: 'HASH_MISMATCH' });
  });

  it('records a burst for one workspace once each, on one gap-free chain, with two replicas and redeliveries', async () => {
    const workspaceId = uniqueName('ws');
    const second = await startService('audit', { env: audit.env });
    try {
      // Many tenants → keys spread over every partition, so both replicas get this workspace's events.
      const events = Array.from({ length: 400 }, (_, n) => ({
        topic: [audit.topics.onboardingEvents, audit.topics.operationsEvents][n % 2]!,
        event: lifecycleEvent({ type: 'tenantatlas.operations.run.started', subject: `run/${n}`, workspaceId, tenantId: `tenant-${n % 23}` }),
      }));
      // every fifth event delivered again: within the same burst, and once more after it
      const repeats = events.filter((_, n) => n % 5 === 0);
      await waitFor(async () => (await audit.stableGroupMembers()) === 2, { what: 'both replicas in the group', timeoutMs: 60_000 });
      await audit.publisher.publish([...events, ...repeats]);
      await audit.publisher.publish(repeats);
      await audit.waitForCount(workspaceId, 400);
      expect(await audit.client.VerifyAuditChain({ workspace_id: workspaceId })).toMatchObject({
        ok: true,
        records_checked: '400',
        last_seq: '400',
      });
      const stored = await audit.records.find({ workspaceId }).toArray();
      expect(stored).toHaveLength(400);
      expect(new Set(stored.map((r) => r.eventId as string))).toEqual(new Set(events.map((e) => e.event.id)));
      expect(stored.map((r) => r.seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    } finally {
      await second.stop();
    }
  });

  it('sends poison messages to the dead-letter topic with the reason, and still records the next event', async () => {
    const workspaceId = uniqueName('ws');
    const producer = audit.kafka.producer();
    await producer.connect();
    const unscoped = { ...lifecycleEvent({ type: 'tenantatlas.onboarding.draft.created', subject: 'draft/x', workspaceId }), workspaceId: '' };
    const foreign = lifecycleEvent({ type: 'com.example.something', subject: 'thing/1', workspaceId });
    await producer.send({
      topic: audit.topics.onboardingEvents,
      messages: [
        { key: workspaceId, value: 'not json at all' },
        { key: workspaceId, value: JSON.stringify(unscoped) },
        { key: workspaceId, value: JSON.stringify(foreign) },
      ],
    });
    await producer.disconnect();
    const good = lifecycleEvent({ type: 'tenantatlas.onboarding.draft.created', subject: 'draft/ok', workspaceId });
    await audit.publisher.publish([{ topic: audit.topics.onboardingEvents, event: good }]);

    await audit.waitForCount(workspaceId, 1);
    expect((await audit.client.GetAuditEvent({ workspace_id: workspaceId, event_id: good.id })).action).toBe('draft.created');

    const dead: KafkaMessage[] = [];
    const consumer = audit.kafka.consumer({ groupId: uniqueName('dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: audit.topics.auditDeadLetter, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void dead.push(message) });
    try {
      await waitFor(() => dead.length >= 3, { what: 'three dead letters' });
    } finally {
      await consumer.disconnect();
    }
    const reasons = dead.map((m) => String(m.headers?.['x-dead-letter-reason']));
    expect(reasons).toEqual([
      'not JSON',
      expect.stringMatching(/^invalid envelope: workspaceId/),
      'unrecognized event type "com.example.something"',
    ]);
    expect(String(dead[0]!.value)).toBe('not json at all');
    expect(String(dead[0]!.headers?.['x-original-topic'])).toBe(audit.topics.onboardingEvents);
    // an event that decoded but is no audit record is dead-lettered as the CloudEvent it is
    expect(String(dead[2]!.headers?.['content-type'])).toBe(CLOUDEVENTS_CONTENT_TYPE);
    expect(parseEnvelope(dead[2]!.value)).toEqual({ ok: true, event: foreign });
    expect(Number((await audit.client.GetIngestStatus({})).dead_lettered)).toBe(3);
    expect(await audit.recordCount(workspaceId)).toBe(1);
  });
});
