import { DomainError } from '@tenantatlas/core';
import { auditEntry } from '../testing/audit-entry';
import { decodePageToken, encodePageToken, isWholeChain, lineMayMatch, matchesQuery, parsePageSize, parseQuery } from './audit-query';
import type { AuditRecord } from './audit-record';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? `${err.kind}:${err.code}` : 'not a domain error';
  }
  return undefined;
}

describe('audit queries', () => {
  it('requires a workspace and keeps only the filters that are set', () => {
    expect(codeOf(() => parseQuery('  ', {}))).toBe('invalid_argument:AUDIT.WORKSPACE_REQUIRED');
    expect(parseQuery('ws-1', { tenant_id: 't-1', action: '', occurred_from: '2026-01-01T00:00:00Z' })).toEqual({
      workspaceId: 'ws-1',
      tenantId: 't-1',
      occurredFrom: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('rejects times that are not RFC 3339 and empty ranges', () => {
    expect(codeOf(() => parseQuery('ws-1', { occurred_to: 'yesterday' }))).toBe('invalid_argument:AUDIT.INVALID_FILTER');
    expect(codeOf(() => parseQuery('ws-1', { occurred_from: '2026-02-01T00:00:00Z', occurred_to: '2026-01-01T00:00:00Z' }))).toBe(
      'invalid_argument:AUDIT.INVALID_FILTER',
    );
  });

  it('defaults and bounds the page size', () => {
    expect(parsePageSize(undefined)).toBe(50);
    expect(parsePageSize(500)).toBe(500);
    expect(codeOf(() => parsePageSize(501))).toBe('invalid_argument:AUDIT.INVALID_PAGE_SIZE');
    expect(codeOf(() => parsePageSize(-1))).toBe('invalid_argument:AUDIT.INVALID_PAGE_SIZE');
  });

  it('round-trips its own page tokens and refuses others', () => {
    expect(decodePageToken(encodePageToken(1234))).toBe(1234);
    expect(decodePageToken('')).toBeNull();
    expect(codeOf(() => decodePageToken('not-a-token'))).toBe('invalid_argument:AUDIT.INVALID_PAGE_TOKEN');
    expect(codeOf(() => decodePageToken(Buffer.from('{"v":1,"before":-3}').toString('base64url')))).toBe(
      'invalid_argument:AUDIT.INVALID_PAGE_TOKEN',
    );
  });
});

describe('pages of the whole chain', () => {
  it('is the whole chain only when nothing but the workspace narrows it', () => {
    expect(isWholeChain(parseQuery('ws-1', {}))).toBe(true);
    expect(isWholeChain(parseQuery('ws-1', { action: '  ', tenant_id: '' }))).toBe(true);
    expect(isWholeChain(parseQuery('ws-1', { tenant_id: 't-1' }))).toBe(false);
    expect(isWholeChain(parseQuery('ws-1', { occurred_from: '2026-01-01T00:00:00Z' }))).toBe(false);
  });
});

describe('matchesQuery', () => {
  const record: AuditRecord = {
    ...auditEntry('event-1'),
    tenantId: 't-1',
    actor: { kind: 'user', id: 'user-7', displayName: 'Ada' },
    outcome: 'succeeded',
    traceId: 'a'.repeat(32),
    seq: 4,
    prevHash: 'p',
    hash: 'h',
  };
  const matches = (filter: Parameters<typeof parseQuery>[1]) => matchesQuery(record, parseQuery('ws-1', filter));

  it('keeps a record every named field agrees with', () => {
    expect(matches({})).toBe(true);
    expect(matches({ tenant_id: 't-1', actor_id: 'user-7', action: 'run.started', type: 'tenantatlas.operations.run.started', outcome: 'succeeded' })).toBe(true);
    expect(matches({ subject_type: 'run', subject_id: 'event-1', trace_id: 'a'.repeat(32) })).toBe(true);
  });

  it('drops it when one field differs', () => {
    expect(matches({ tenant_id: 't-2' })).toBe(false);
    expect(matches({ actor_id: 'user-8' })).toBe(false);
    expect(matches({ outcome: 'failed' })).toBe(false);
    expect(matches({ subject_id: 'event-2' })).toBe(false);
  });

  it('bounds the time it occurred: from inclusive, to exclusive', () => {
    expect(matches({ occurred_from: '2026-03-01T10:00:00Z' })).toBe(true);
    expect(matches({ occurred_from: '2026-03-01T10:00:01Z' })).toBe(false);
    expect(matches({ occurred_to: '2026-03-01T10:00:00Z' })).toBe(false);
    expect(matches({ occurred_to: '2026-03-01T10:00:01Z' })).toBe(true);
  });
});

describe('lineMayMatch', () => {
  const record: AuditRecord = {
    ...auditEntry('event-"1"'),
    tenantId: 'tenant-7',
    actor: { kind: 'user', id: 'user-7', displayName: 'Ada' },
    seq: 4,
    prevHash: 'p',
    hash: 'h',
  };
  const line = JSON.stringify(record);
  const filters: Parameters<typeof parseQuery>[1][] = [
    {},
    { tenant_id: 'tenant-7' },
    { tenant_id: 'tenant-70' },
    { tenant_id: 'tenant-' },
    { actor_id: 'user-7', action: 'run.started' },
    { action: 'run.succeeded' },
    { subject_id: 'event-"1"' },
    { occurred_from: '2027-01-01T00:00:00Z' },
  ];

  it('never refuses the line of a record the query matches, and refuses lines of other values', () => {
    for (const filter of filters) {
      const query = parseQuery('ws-1', filter);
      if (matchesQuery(record, query)) expect(lineMayMatch(query)(line)).toBe(true);
    }
    expect(lineMayMatch(parseQuery('ws-1', { tenant_id: 'tenant-70' }))(line)).toBe(false);
    expect(lineMayMatch(parseQuery('ws-1', { tenant_id: 'tenant-' }))(line)).toBe(false);
    expect(lineMayMatch(parseQuery('ws-1', { action: 'run.succeeded' }))(line)).toBe(false);
  });
});
