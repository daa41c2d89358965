/**
 * Every topic the system uses. Versioned names; keyed by tenant (or workspace when there is no
 * tenant yet) so one tenant's events stay ordered.
 */
export const TOPICS = {
  onboardingEvents: 'tenantatlas.onboarding.events.v1',
  connectionsEvents: 'tenantatlas.connections.events.v1',
  operationsEvents: 'tenantatlas.operations.events.v1',
  runRequests: 'tenantatlas.operations.run-requests.v1',
  securityEvents: 'tenantatlas.gateway.security-events.v1',
  auditDeadLetter: 'tenantatlas.audit.dead-letter.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Lifecycle topics audit records and the gateway's live stream follows. */
export const LIFECYCLE_TOPICS: TopicName[] = [
  TOPICS.onboardingEvents,
  TOPICS.connectionsEvents,
  TOPICS.operationsEvents,
  TOPICS.securityEvents,
];

/** Test runs set KAFKA_TOPIC_PREFIX so parallel suites never read each other's messages. */
export function topicName(prefix: string, topic: string): string {
  return prefix ? `${prefix}.${topic}` : topic;
}

export type Topics = { [K in keyof typeof TOPICS]: string };

/** The topic names a process uses, with its configured prefix applied once here. */
export function topicsFor(prefix: string): Topics {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, topicName(prefix, v)])) as Topics;
}
