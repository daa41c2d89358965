/**
 * Every message the system puts on Kafka, read with the official CloudEvents SDK for JavaScript:
 * the whole system as processes (`startStack`), a journey that publishes on every topic (the
 * seeded workspace, an invitation and a membership, a denied request, a draft through identify →
 * connection → verification → bootstrap → activation, which queue, dispatch and run three runs),
 * then every message of every
 * topic of the stack from the beginning, decoded with the SDK's Kafka binding, validated strictly
 * (attribute names, extension types, the CloudEvents JSON Schema), and its `data` validated with
 * ajv against the schema its `dataschema` names in the AsyncAPI document the gateway serves.
 */
import { topicsFor, TOPICS } from '@tenantatlas/kafka';
import { testInfra, waitFor } from '@tenantatlas/testing';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CloudEvent, Kafka as CloudEventsKafka, type KafkaMessage } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { GatewayClient } from '../../services/gateway/src/testing/gateway-client';
import { sweepTopics, type SweptMessage } from './security/kafka-sweep';
import { checkContractAtEnd } from './contract';
import { signedInStack } from './system-stack';

const CONTOSO = '11111111-1111-4111-8111-111111111111'; // a healthy tenant of the provider simulator

type Json = Record<string, any>;

checkContractAtEnd();

describe('CloudEvents on every topic, read with the official SDK', () => {
  const session = signedInStack('cloudevents');

  const call = (client: GatewayClient, method: 'GET' | 'POST', path: string, body?: unknown, expected?: number[]) => client.expect(session.ws, method, path, body, expected);

  /** Publishes on every topic: security events, onboarding, connections, run requests and run lifecycle. */
  async function journey(): Promise<void> {
    const readonly = await session.admin.addMember(session.ws, { email: 'readonly@example.test', role: 'readonly' }, 'readonly-pass-1');
    await call(readonly, 'POST', '/drafts', undefined, [403]); // denied: a security event
    const { draft } = await call(session.admin, 'POST', '/drafts');
    const identified = await call(session.admin, 'POST', `/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: CONTOSO, name: 'Contoso' });
    const selected = await call(session.admin, 'POST', `/drafts/${draft.id}/connection`, {
      expected_version: identified.draft.version,
      new_connection: { display_name: 'Contoso app', client_id: 'aaaaaaaa-0000-4000-8000-0000000000c1', target_tenant_id: CONTOSO, client_secret: 'cloudevents-secret-1' },
    });
    await call(session.admin, 'POST', `/drafts/${draft.id}/verification`, { expected_version: selected.draft.version });
    const verified = await draftWhen(draft.id, (d) => d.lifecycle_state === 'ready_for_activation', 'the verification to complete');
    await call(session.admin, 'POST', `/drafts/${draft.id}/bootstrap`, { expected_version: verified.version, types: ['inventory.sync', 'permissions.refresh'] });
    const ready = await draftWhen(draft.id, (d) => d.last_completed_checkpoint === 'bootstrap' && d.lifecycle_state === 'ready_for_activation', 'the bootstrap runs');
    await call(session.admin, 'POST', `/drafts/${draft.id}/activate`, { expected_version: ready.version });
  }

  const draftWhen = (draftId: string, done: (d: Json) => boolean, what: string) =>
    waitFor(
      async () => {
        const { draft } = await call(session.admin, 'GET', `/drafts/${draftId}`);
        return done(draft) ? (draft as Json) : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300, what },
    );

  /** Waits until every event topic holds a message (relays and the security sink publish after the answer). */
  async function untilEveryTopicHasMessages(topics: string[]): Promise<void> {
    const kafka = new Kafka({ clientId: 'cloudevents-itest', brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      const count = async (topic: string) => (await kafkaAdmin.fetchTopicOffsets(topic).catch(() => [])).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      await waitFor(async () => (await Promise.all(topics.map(count))).every((n) => n > 0), { timeoutMs: 60_000, what: `messages on ${topics.join(', ')}` });
    } finally {
      await kafkaAdmin.disconnect();
    }
  }

  /** ajv validators of the data schemas in the AsyncAPI document, by their `$id` (the events' `dataschema`). */
  function dataValidators(asyncapi: Json): Map<string, ValidateFunction> {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validators = new Map<string, ValidateFunction>();
    for (const schema of Object.values(asyncapi.components.schemas as Json)) {
      if (typeof schema.$id === 'string') validators.set(schema.$id, ajv.compile(schema));
    }
    return validators;
  }

  /** The SDK's view of one message; throws on anything that is not a valid CloudEvent with valid data. */
  function decode(message: SweptMessage, channel: Json, validators: Map<string, ValidateFunction>): CloudEvent<Json> {
    const kafkaMessage: KafkaMessage<string> = {
      key: message.key ?? '',
      value: message.value ?? '',
      headers: message.headers,
      body: message.value ?? '',
      timestamp: undefined,
    };
    if (!CloudEventsKafka.isEvent(kafkaMessage)) throw new Error('No CloudEvent detected');
    const received = CloudEventsKafka.toEvent(kafkaMessage) as CloudEvent<Json>;
    // the binding builds events leniently; building one again in strict mode checks attribute
    // names and extension value types and validates against the CloudEvents JSON Schema
    const event = new CloudEvent<Json>({ ...received }, true);
    if (!channel.messages[event.type]) throw new Error(`type ${event.type} is not a message of ${channel.address}`);
    const validate = validators.get(String(event.dataschema));
    if (!validate) throw new Error(`no schema ${event.dataschema} in the AsyncAPI document`);
    if (!validate(event.data)) throw new Error(`data of ${event.type} fails ${event.dataschema}: ${JSON.stringify(validate.errors)}`);
    return event;
  }

  it('decodes every message on every topic as a CloudEvent whose data matches its declared schema', async () => {
    await journey();
    const topics = topicsFor(`${session.stack.prefix}.`);
    const eventTopics = Object.entries(topics).filter(([key]) => key !== 'auditDeadLetter');
    await untilEveryTopicHasMessages(eventTopics.map(([, topic]) => topic));

    const asyncapi = (await session.admin.get('/api/asyncapi.json')).json as Json;
    expect(asyncapi.asyncapi).toBe('3.0.0');
    const validators = dataValidators(asyncapi);
    const swept = await sweepTopics(testInfra().kafkaBrokers, `${session.stack.prefix}.`);

    const summary: string[] = [];
    const failures: string[] = [];
    const types = new Set<string>();
    for (const [key, topic] of eventTopics) {
      const channel = asyncapi.channels[key] as Json;
      expect(channel.address).toBe(TOPICS[key as keyof typeof TOPICS]);
      const messages = swept.messages.filter((m) => m.topic === topic);
      let decoded = 0;
      for (const message of messages) {
        try {
          const event = decode(message, channel, validators);
          expect(event.partitionkey).toBe(message.key); // the Kafka key stays the partition key
          types.add(event.type);
          decoded++;
        } catch (err) {
          failures.push(`${topic}[${message.partition}]@${message.offset}: ${(err as Error).message}`);
        }
      }
      summary.push(`cloudevents: ${TOPICS[key as keyof typeof TOPICS]} ${decoded} decoded, ${messages.length - decoded} failed`);
    }
    summary.push(`cloudevents: ${types.size} event types seen: ${[...types].sort().join(', ')}`);
    process.stdout.write(`${summary.join('\n')}\n`);

    expect(failures).toEqual([]);
    expect(summary.filter((line) => / 0 decoded/.test(line))).toEqual([]);
    // audit refused nothing: its dead-letter topic (copies of what it could not record) is empty
    expect(swept.messages.filter((m) => m.topic === topics.auditDeadLetter)).toEqual([]);
  }, 300_000);
});
