import { createHash } from 'node:crypto';

/**
 * What a lifecycle event becomes in the audit log: the entry rules (which events are recorded and
 * what they keep, secrets removed) and the hash chain each workspace's records form.
 */

// ---- what a record keeps of `data` -------------------------------------------------------------

/**
 * Producers promise never to put a secret into an event; audit does not take that on trust.
 * Everything an audit record keeps from `data` passes through here first: keys that look like a
 * credential are dropped, values that look like one are masked, and sizes are bounded so one
 * oversized event cannot bloat the log.
 */
export type Summary = Record<string, string>;

const SECRET_KEY =
  /secret|passw(or)?d|passphrase|pwd|token|credential|api[-_]?key|private[-_]?key|authorization|cookie|bearer|signature|certificate|connection[-_]?string|session[-_]?key/i;

const SECRET_VALUE = [
  /^Bearer\s+\S+/i,
  /^Basic\s+[A-Za-z0-9+/=]{8,}$/i,
  // JSON Web Token: three base64url segments, the first one an encoded JSON header
  /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

export const REDACTED = '[redacted]';
export const MAX_SUMMARY_KEYS = 50;
export const MAX_VALUE_LENGTH = 1_000;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Whether a field is kept: a secret-looking key is dropped unless its value is a yes/no fact, which
 * cannot carry a credential (`hasCredential`, `credentialResealed`: what an auditor asks about).
 */
const keptField = (key: string, value: unknown): boolean => !isSecretKey(key) || typeof value === 'boolean';

export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** MongoDB field names may not start with `$`, and a `.` would read as a path. */
function storableKey(key: string): string {
  return key.replace(/^\$/, '_').replace(/\./g, '_');
}

function truncate(value: string): string {
  return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH - 1)}…` : value;
}

/** Removes secret-looking keys at any depth of a nested value; masks secret-looking strings. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 5) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, MAX_SUMMARY_KEYS).map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (keptField(key, inner)) out[key] = scrub(inner, depth + 1);
  }
  return out;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return truncate(looksLikeSecretValue(value) ? REDACTED : value);
  if (value === undefined) return '';
  return truncate(JSON.stringify(scrub(value)) ?? '');
}

/**
 * A flat, string-valued summary of an object: secret-looking keys dropped (yes/no facts kept),
 * non-string values as JSON text, keys sorted, at most MAX_SUMMARY_KEYS of them. Anything that is
 * not a plain object yields an empty summary.
 */
export function sanitizeSummary(value: unknown, omit: readonly string[] = []): Summary {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const summary: Summary = {};
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((key) => !omit.includes(key) && keptField(key, (value as Record<string, unknown>)[key]))
    .sort()
    .slice(0, MAX_SUMMARY_KEYS);
  for (const key of keys) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner === undefined) continue;
    summary[storableKey(key)] = asText(inner);
  }
  return summary;
}

// ---- entry rules: a lifecycle event → an audit entry -------------------------------------------

/** The envelope fields audit reads; the shape of `@tenantatlas/kafka`'s EventEnvelope. */
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

// ---- the hash chain --------------------------------------------------------------------------

/**
 * Each workspace's records form a chain: record n stores `prevHash` (record n-1's hash) and
 * `hash = sha256(prevHash + "\n" + canonical(record n))`. Editing, deleting or reordering a stored
 * record breaks a link that `ChainVerifier` finds by walking the chain from seq 1.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord extends AuditEntry {
  /** 1-based position in the workspace's chain, without gaps */
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

function sorted(summary: Summary): [string, string][] {
  return Object.keys(summary)
    .sort()
    .map((key) => [key, summary[key]!]);
}

/**
 * The bytes a hash covers: every field, in a fixed order, as one JSON array, so the form does not
 * depend on how the database returns keys or whether it keeps explicit nulls.
 */
export function canonicalForm(record: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  return JSON.stringify([
    1, // version of this form
    record.eventId,
    record.workspaceId,
    record.seq,
    record.tenantId ?? null,
    record.type,
    record.action,
    record.sourceService,
    record.actor.kind,
    record.actor.id,
    record.actor.displayName ?? null,
    record.subjectType,
    record.subjectId,
    record.outcome ?? null,
    record.reasonCode ?? null,
    sorted(record.before ?? {}),
    sorted(record.after ?? {}),
    sorted(record.details ?? {}),
    record.traceId ?? null,
    new Date(record.occurredAt).toISOString(),
    new Date(record.recordedAt).toISOString(),
  ]);
}

export function chainHash(prevHash: string, record: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalForm(record)).digest('hex');
}

/** Places an entry right after `head` on its workspace's chain. */
export function appendTo(head: ChainHead, entry: AuditEntry): AuditRecord {
  const unhashed = { ...entry, seq: head.seq + 1 };
  return { ...unhashed, prevHash: head.hash, hash: chainHash(head.hash, unhashed) };
}

/** Places entries, in their order, one after the other from `head` (one workspace's chain). */
export function chainFrom(head: ChainHead, entries: readonly AuditEntry[]): AuditRecord[] {
  let last = head;
  return entries.map((entry) => {
    const record = appendTo(last, entry);
    last = headOf(record);
    return record;
  });
}

export function headOf(record: Pick<AuditRecord, 'seq' | 'hash'>): ChainHead {
  return { seq: record.seq, hash: record.hash };
}

/**
 * The positions of the entries that are not a repeat of an earlier one (same event id): an event
 * delivered twice in one batch becomes one record.
 */
export function firstDeliveries(entries: readonly AuditEntry[]): number[] {
  const seen = new Set<string>();
  const first: number[] = [];
  entries.forEach((entry, i) => {
    if (seen.has(entry.eventId)) return;
    seen.add(entry.eventId);
    first.push(i);
  });
  return first;
}
