import { sanitizeSummary, type Summary } from './sanitize';

/** The envelope fields audit reads; the shape of `@tenantatlas/shared`'s EventEnvelope. */
export interface LifecycleEvent {
  id: string;
  type: string;
  time: string;
  subject: string;
  workspaceId: string;
  tenantId: string | null;
  actor: { kind: 'user'; userId: string; displayName?: string } | { kind: 'system'; component: string };
  traceparent?: string;
  data: Record<string, unknown>;
}

export interface AuditActor {
  kind: 'user' | 'system';
  /** user id, or the system component's name */
  id: string;
  displayName: string | null;
}

/** What one lifecycle event becomes in the log, before it is placed on the workspace's chain. */
export interface AuditEntry {
  eventId: string;
  workspaceId: string;
  tenantId: string | null;
  type: string;
  action: string;
  sourceService: string;
  actor: AuditActor;
  subjectType: string;
  subjectId: string;
  outcome: string | null;
  reasonCode: string | null;
  before: Summary;
  after: Summary;
  details: Summary;
  traceId: string | null;
  occurredAt: Date;
  recordedAt: Date;
}

export type EntryResult = { ok: true; entry: AuditEntry } | { ok: false; reason: string };

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * `tenantatlas.<service>.<object>.<verb>` → service and action `<object>.<verb>`. An object may
 * itself have several segments (`tenantatlas.onboarding.draft.checkpoint.completed` → action
 * `draft.checkpoint.completed`); anything else is not a lifecycle event type.
 */
export function actionFromType(type: string): { service: string; action: string } | null {
  const segments = type.split('.');
  if (segments.length < 4 || segments[0] !== 'tenantatlas') return null;
  if (!segments.every((segment) => SEGMENT.test(segment))) return null;
  return { service: segments[1]!, action: segments.slice(2).join('.') };
}

/** `<object>/<id>`; an id may contain further slashes. A subject without one is all type. */
export function parseSubject(subject: string): { type: string; id: string } {
  const slash = subject.indexOf('/');
  if (slash < 0) return { type: subject, id: '' };
  return { type: subject.slice(0, slash), id: subject.slice(slash + 1) };
}

/** The trace id of a W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`), or null. */
export function traceIdFrom(traceparent: string | undefined): string | null {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent?.trim() ?? '');
  if (!match || /^0+$/.test(match[1]!)) return null;
  return match[1]!;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

const NOT_DETAILS = ['before', 'after', 'outcome', 'reasonCode'] as const;

/** Turns a validated envelope into an audit entry, or says why it cannot be one. */
export function entryFromEvent(event: LifecycleEvent, recordedAt: Date): EntryResult {
  const derived = actionFromType(event.type);
  if (!derived) return { ok: false, reason: `unrecognized event type "${event.type.slice(0, 200)}"` };
  const occurredAt = new Date(event.time);
  if (Number.isNaN(occurredAt.getTime())) return { ok: false, reason: 'invalid event time' };
  const subject = parseSubject(event.subject);
  const actor: AuditActor =
    event.actor.kind === 'user'
      ? { kind: 'user', id: event.actor.userId, displayName: event.actor.displayName ?? null }
      : { kind: 'system', id: event.actor.component, displayName: null };
  return {
    ok: true,
    entry: {
      eventId: event.id,
      workspaceId: event.workspaceId,
      tenantId: event.tenantId ?? null,
      type: event.type,
      action: derived.action,
      sourceService: derived.service,
      actor,
      subjectType: subject.type,
      subjectId: subject.id,
      outcome: text(event.data.outcome),
      reasonCode: text(event.data.reasonCode),
      before: sanitizeSummary(event.data.before),
      after: sanitizeSummary(event.data.after),
      details: sanitizeSummary(event.data, NOT_DETAILS),
      traceId: traceIdFrom(event.traceparent),
      occurredAt,
      recordedAt,
    },
  };
}
