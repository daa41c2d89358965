import { TOPICS } from '../topics';
import { CLOUDEVENTS_CONTENT_TYPE } from '../cloud-event';
import { dataJsonSchema, dataSchemaUri, EVENT_CATALOG, EVENT_FAMILIES, eventSource } from './catalog';
import { cloudEventEnvelopeSchema, deadLetterMessage, keyDescription, TOPIC_DESCRIPTIONS } from './asyncapi-parts';

type Json = Record<string, unknown>;
const ref = (path: string) => ({ $ref: path });

/** The message of one event type: the CloudEvents envelope with this type, its schema and its data. */
function eventMessage(entry: (typeof EVENT_CATALOG)[number]): Json {
  return {
    name: entry.type,
    title: entry.type,
    summary: entry.data.description ?? entry.type,
    contentType: CLOUDEVENTS_CONTENT_TYPE.split(';')[0],
    headers: ref('#/components/schemas/CloudEventKafkaHeaders'),
    payload: {
      allOf: [
        ref('#/components/schemas/CloudEventEnvelope'),
        {
          type: 'object',
          properties: {
            type: { const: entry.type },
            source: { const: eventSource(entry.service) },
            subject: { type: 'string', description: `\`${entry.subject}\`` },
            dataschema: { const: dataSchemaUri(entry.type) },
            data: ref(`#/components/schemas/${entry.type}`),
          },
        },
      ],
    },
    bindings: { kafka: { key: { type: 'string', description: keyDescription(entry.topic) }, bindingVersion: '0.5.0' } },
  };
}

/**
 * The AsyncAPI 3.0 document of every topic: one channel per topic (address = topic name), one
 * message per event type with its data schema, one `send` operation per producing service.
 */
export function asyncApiDocument(version = '1.0.0'): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = { DeadLetter: deadLetterMessage };
  const schemas: Json = { CloudEventEnvelope: cloudEventEnvelopeSchema, CloudEventKafkaHeaders: cloudEventKafkaHeaders() };
  for (const family of EVENT_FAMILIES) {
    const names = family.events.map((event) => event.type);
    channels[family.topic] = {
      address: TOPICS[family.topic],
      title: TOPICS[family.topic],
      description: TOPIC_DESCRIPTIONS[family.topic],
      messages: Object.fromEntries(names.map((name) => [name, ref(`#/components/messages/${name}`)])),
    };
    operations[`publish-${family.topic}`] = {
      action: 'send',
      title: `${family.service} publishes`,
      channel: ref(`#/channels/${family.topic}`),
      messages: names.map((name) => ref(`#/channels/${family.topic}/messages/${name}`)),
    };
  }
  for (const entry of EVENT_CATALOG) {
    messages[entry.type] = eventMessage(entry);
    const { $schema: _drop, ...schema } = dataJsonSchema(entry);
    schemas[entry.type] = schema;
  }
  channels.auditDeadLetter = {
    address: TOPICS.auditDeadLetter,
    title: TOPICS.auditDeadLetter,
    description: TOPIC_DESCRIPTIONS.auditDeadLetter,
    messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
  };
  operations['publish-auditDeadLetter'] = {
    action: 'send',
    title: 'audit dead-letters what it cannot record',
    channel: ref('#/channels/auditDeadLetter'),
    messages: [ref('#/channels/auditDeadLetter/messages/DeadLetter')],
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'TenantAtlas events',
      version,
      description:
        'Every Kafka topic of TenantAtlas. Events are CloudEvents 1.0 in the structured content mode of the Kafka protocol binding; the Kafka key is the partition key (tenant id, or workspace id before a tenant exists).',
    },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE.split(';')[0],
    channels,
    operations,
    components: { messages, schemas },
  };
}

function cloudEventKafkaHeaders(): Json {
  return {
    type: 'object',
    required: ['content-type'],
    properties: {
      'content-type': { type: 'string', const: CLOUDEVENTS_CONTENT_TYPE, description: 'structured content mode' },
      traceparent: { type: 'string', description: 'W3C trace context, the same as the `traceparent` attribute' },
    },
  };
}
