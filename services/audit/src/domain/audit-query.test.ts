import { DomainError } from '@tenantatlas/core';
import { decodePageToken, encodePageToken, isWholeChain, parsePageSize, parseQuery, placesFrom } from './audit-query';

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

  it('takes `limit` places from the top down, none below the first', () => {
    expect(placesFrom(10, 3)).toEqual([10, 9, 8]);
    expect(placesFrom(2, 50)).toEqual([2, 1]);
    expect(placesFrom(0, 50)).toEqual([]);
  });
});
