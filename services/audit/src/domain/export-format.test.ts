import { csvHeader, formatRecord } from './export-format';
import { appendTo, EMPTY_HEAD } from './audit-record';

const record = appendTo(EMPTY_HEAD, {
  eventId: 'evt-1',
  workspaceId: 'ws-1',
  tenantId: null,
  type: 'tenantatlas.gateway.access.denied',
  action: 'access.denied',
  sourceService: 'gateway',
  actor: { kind: 'user', id: 'user-1', displayName: 'Doe, "Jo"' },
  subjectType: 'workspace',
  subjectId: 'ws-1',
  outcome: 'denied',
  reasonCode: null,
  before: {},
  after: {},
  details: { path: '=cmd|calc' },
  traceId: null,
  occurredAt: new Date('2026-03-01T10:00:00.000Z'),
  recordedAt: new Date('2026-03-01T10:00:01.000Z'),
});

describe('export formats', () => {
  it('writes one JSON object per NDJSON line', () => {
    const line = formatRecord(record, 'ndjson');
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ seq: 1, event_id: 'evt-1', action: 'access.denied', actor_display_name: 'Doe, "Jo"', tenant_id: '' });
  });

  it('writes CSV rows that line up with the header and quote what needs quoting', () => {
    const header = csvHeader().trimEnd().split(',');
    const row = formatRecord(record, 'csv');
    expect(header.slice(0, 3)).toEqual(['seq', 'event_id', 'occurred_at']);
    expect(row).toContain('"Doe, ""Jo"""');
    expect(row.endsWith('\r\n')).toBe(true);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(formatRecord({ ...record, subjectId: '=HYPERLINK("x")' }, 'csv')).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
