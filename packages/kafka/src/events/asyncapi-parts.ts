import type { TOPICS } from '../topics';

type TopicKey = keyof typeof TOPICS;

export const TOPIC_DESCRIPTIONS: Record<TopicKey, string> = {
  onboardingEvents: 'Onboarding lifecycle: drafts (operator actions, lifecycle, checkpoints) and tenants. Read by audit and the gateway live feed.',
  connectionsEvents: 'Provider connections lifecycle (never a credential). Read by audit, onboarding (evidence) and the gateway live feed.',
  operationsEvents: 'Run lifecycle. Read by audit, onboarding (evidence) and the gateway live feed.',
  runRequests: 'Dispatch of runs to operations workers; the run document decides whether an attempt is due.',
  securityEvents: 'Identity and access: workspaces, memberships, invitations, denied access. Read by audit and the gateway live feed.',
  auditDeadLetter: 'Messages audit could not record, copied unchanged (key, value, headers) with headers saying where they came from and why. Not CloudEvents by definition; empty in a healthy system.',
};

export function keyDescription(topic: TopicKey): string {
  return topic === 'securityEvents'
    ? 'workspace id (tenant id when the event concerns one tenant): keeps one scope\'s events in order'
    : 'tenant id, or workspace id before a tenant exists: keeps one tenant\'s events in order';
}

/** The CloudEvents 1.0 attributes every TenantAtlas event carries (structured mode JSON). */
export const cloudEventEnvelopeSchema = {
  type: 'object',
  required: ['specversion', 'id', 'type', 'source', 'time', 'subject', 'datacontenttype', 'dataschema', 'workspaceid', 'actorkind', 'actorid', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', minLength: 1, description: 'unique per event; consumers deduplicate on it' },
    type: { type: 'string', description: '`tenantatlas.<service>.<object>.<verb>`' },
    source: { type: 'string', format: 'uri-reference', description: '`/tenantatlas/<service>`' },
    time: { type: 'string', format: 'date-time' },
    subject: { type: 'string', description: '`<object>/<id>` of what changed' },
    datacontenttype: { const: 'application/json' },
    dataschema: { type: 'string', format: 'uri', description: 'the `$id` of the JSON Schema of `data`' },
    workspaceid: { type: 'string', minLength: 1, description: 'extension: the workspace the event belongs to' },
    tenantid: { type: 'string', minLength: 1, description: 'extension: the tenant, absent when the event concerns none' },
    actorkind: { enum: ['user', 'system'], description: 'extension: who made the change' },
    actorid: { type: 'string', minLength: 1, description: 'extension: user id, or the system component' },
    actorname: { type: 'string', description: 'extension: the user\'s display name, when known' },
    traceparent: { type: 'string', description: 'distributed-tracing extension: W3C trace context of the change' },
    data: { type: 'object' },
  },
};

export const deadLetterMessage = {
  name: 'DeadLetter',
  title: 'A message audit could not record',
  contentType: 'application/octet-stream',
  headers: {
    type: 'object',
    properties: {
      'x-dead-letter-reason': { type: 'string' },
      'x-original-topic': { type: 'string' },
      'x-original-partition': { type: 'string' },
      'x-original-offset': { type: 'string' },
    },
  },
  payload: { description: 'the original value, unchanged' },
  bindings: { kafka: { key: { type: 'string', description: 'the original key' }, bindingVersion: '0.5.0' } },
};
