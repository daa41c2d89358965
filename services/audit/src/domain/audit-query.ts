import { agreesOn, decodePageToken as decodePosition, encodePageToken as encodePosition, withinRange } from '@tenantatlas/core';
import type { AuditRecord } from './audit-record';
import { SEGMENT_PLACES } from './chain-segment';
import { auditError } from './errors';

/**
 * Queries are always inside one workspace and ordered by the workspace's seq, newest first. The
 * page token carries the last seq returned: new records get higher seqs, so they can never shift
 * what later pages contain (no repeats, no skips).
 */
export interface AuditQuery {
  workspaceId: string;
  tenantId?: string;
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  type?: string;
  outcome?: string;
  traceId?: string;
  occurredFrom?: Date;
  occurredTo?: Date;
}

export interface RawFilter {
  tenant_id?: string;
  subject_type?: string;
  subject_id?: string;
  actor_id?: string;
  action?: string;
  type?: string;
  outcome?: string;
  occurred_from?: string;
  occurred_to?: string;
  trace_id?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_FIELD_LENGTH = 512;

function optional(name: string, value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_FIELD_LENGTH) {
    throw auditError('AUDIT.INVALID_FILTER', `filter ${name} is too long`, { field: name });
  }
  return trimmed;
}

function time(name: string, value: string | undefined): Date | undefined {
  const text = optional(name, value);
  if (!text) return undefined;
  const parsed = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(parsed.getTime())) {
    throw auditError('AUDIT.INVALID_FILTER', `filter ${name} must be an RFC 3339 time`, { field: name });
  }
  return parsed;
}

/** Validates a transport filter; throws AUDIT.WORKSPACE_REQUIRED / AUDIT.INVALID_FILTER. */
export function parseQuery(workspaceId: string | undefined, filter: RawFilter | null | undefined): AuditQuery {
  const workspace = workspaceId?.trim();
  if (!workspace) throw auditError('AUDIT.WORKSPACE_REQUIRED', 'workspace_id is required');
  const f = filter ?? {};
  const query: AuditQuery = {
    workspaceId: workspace,
    tenantId: optional('tenant_id', f.tenant_id),
    subjectType: optional('subject_type', f.subject_type),
    subjectId: optional('subject_id', f.subject_id),
    actorId: optional('actor_id', f.actor_id),
    action: optional('action', f.action),
    type: optional('type', f.type),
    outcome: optional('outcome', f.outcome),
    traceId: optional('trace_id', f.trace_id),
    occurredFrom: time('occurred_from', f.occurred_from),
    occurredTo: time('occurred_to', f.occurred_to),
  };
  if (query.occurredFrom && query.occurredTo && query.occurredFrom >= query.occurredTo) {
    throw auditError('AUDIT.INVALID_FILTER', 'occurred_from must be before occurred_to', { field: 'occurred_from' });
  }
  return query;
}

/** A query of the whole chain (no filter but the workspace): its pages are ranges of places. */
export function isWholeChain(query: AuditQuery): boolean {
  return Object.entries(query).every(([field, value]) => field === 'workspaceId' || value === undefined);
}

/** Whether a record is one the query asks for (its workspace is the chain being read). */
export function matchesQuery(record: AuditRecord, query: AuditQuery): boolean {
  return (
    agreesOn(query, record, ['tenantId', 'subjectType', 'subjectId', 'action', 'type', 'outcome', 'traceId']) &&
    (query.actorId === undefined || record.actor.id === query.actorId) &&
    withinRange(record.occurredAt, query.occurredFrom, query.occurredTo)
  );
}

/**
 * A test a sealed record's JSON line must pass before it is parsed: every value the query asks a
 * field to equal appears in a matching record's line as that value's JSON string. It lets a
 * filtered page skip parsing the lines that cannot match (most of them); what passes is still
 * checked by matchesQuery.
 */
export function lineMayMatch(query: AuditQuery): (line: string) => boolean {
  const needles = [query.tenantId, query.subjectType, query.subjectId, query.action, query.type, query.outcome, query.traceId, query.actorId]
    .filter((value): value is string => value !== undefined)
    .map((value) => JSON.stringify(value));
  return (line) => needles.every((needle) => line.includes(needle));
}

/**
 * How many places of the chain one filtered page may look at before it answers: a filter that
 * matches few records gets a short (even empty) page and a token to continue, never a request
 * whose cost grows with the history. Places of sealed segments come a segment to a read; the
 * others a read each, and of those a page reads RECORDS_EXAMINED_PER_PAGE at most. The bound is
 * what a list may cost an operator waiting on it (docs/benchmarks.md: a page of a filter nothing
 * matches), not what finds the most.
 */
export const PLACES_EXAMINED_PER_PAGE = 2 * SEGMENT_PLACES;
export const RECORDS_EXAMINED_PER_PAGE = 1_000;
/**
 * A page of one tenant's records reads that tenant's slice of a sealed segment (a small read)
 * instead of the segment, and may read this many before it answers.
 */
export const SLICES_EXAMINED_PER_PAGE = 20;

export function parsePageSize(pageSize: number | undefined): number {
  const size = pageSize ?? 0;
  if (size === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw auditError('AUDIT.INVALID_PAGE_SIZE', `page_size must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

export function encodePageToken(lastSeq: number): string {
  return encodePosition({ v: 1, before: lastSeq });
}

/** The seq the next page starts below, or null for the first page. */
export function decodePageToken(token: string | undefined): number | null {
  if (!token) return null;
  const before = decodePosition(token, ({ v, before }) => (v === 1 && Number.isSafeInteger(before) && (before as number) > 0 ? (before as number) : undefined));
  if (before === undefined) throw auditError('AUDIT.INVALID_PAGE_TOKEN', 'page_token is not one this service issued');
  return before;
}
