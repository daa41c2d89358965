import { chainFrom, EMPTY_HEAD, headOf, type AuditRecord, type ChainHead } from '../domain/audit-record';
import { auditEntry } from '../testing/audit-entry';
import { ListAuditEventsUseCase } from './list-audit-events.use-case';
import type { AuditLogStore } from './ports';

/**
 * A chain of `length` records whose stored head lags `lag` places behind its end; only reads by
 * place. Every `tenantEvery`-th record (seq 1, 1 + n, …) belongs to tenant-a.
 */
function storedChain(length: number, lag: number, tenantEvery = 0) {
  const entries = Array.from({ length }, (_, i) => ({ ...auditEntry(`event-${i + 1}`), tenantId: tenantEvery && i % tenantEvery === 0 ? 'tenant-a' : null }));
  const records = chainFrom(EMPTY_HEAD, entries);
  const head: ChainHead | null = length - lag > 0 ? headOf(records[length - lag - 1]!) : null;
  const at = (seq: number) => records[seq - 1];
  const reads = { places: 0 };
  const store = {
    readHead: async () => head,
    linkAt: async (_ws: string, seq: number) => (at(seq) ? headOf(at(seq)!) : null),
    recordsAt: async (_ws: string, seqs: readonly number[]) => {
      reads.places += seqs.length;
      return seqs.map(at).filter((record): record is AuditRecord => record !== undefined);
    },
  } as unknown as AuditLogStore;
  return { store, reads };
}

describe('pages of a whole chain, read by place', () => {
  it('pages newest first from the chain end (past a lagging head) down to seq 1, reading only the page', async () => {
    const { store, reads } = storedChain(120, 7);
    const list = new ListAuditEventsUseCase({ store });
    const seen: number[] = [];
    let pageToken = '';
    do {
      const before = reads.places;
      const page = await list.execute({ workspaceId: 'ws-1', pageSize: 50, pageToken });
      expect(reads.places - before).toBeLessThanOrEqual(50);
      seen.push(...page.records.map((r) => r.seq));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
  });

  it('answers an empty chain with an empty page', async () => {
    const { store } = storedChain(0, 0);
    expect(await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1' })).toEqual({ records: [], nextPageToken: '' });
  });
});

describe('filtered pages, a bounded walk down the chain', () => {
  async function walk(list: ListAuditEventsUseCase, reads: { places: number }, filter: { tenant_id?: string; action?: string }) {
    const pages: { seqs: number[]; places: number }[] = [];
    let pageToken = '';
    do {
      const before = reads.places;
      const page = await list.execute({ workspaceId: 'ws-1', filter, pageSize: 50, pageToken });
      pages.push({ seqs: page.records.map((r) => r.seq), places: reads.places - before });
      pageToken = page.nextPageToken;
    } while (pageToken);
    return pages;
  }

  it('returns every match once, newest first, each page looking at no more than the budget', async () => {
    const { store, reads } = storedChain(2_500, 3, 10);
    const pages = await walk(new ListAuditEventsUseCase({ store }), reads, { tenant_id: 'tenant-a' });
    expect(pages.flatMap((p) => p.seqs)).toEqual(Array.from({ length: 250 }, (_, i) => 2_491 - 10 * i));
    // full pages of 50 matches each need 500 places; none looks at more than 1,000
    expect(pages.slice(0, 5).map((p) => p.seqs.length)).toEqual([50, 50, 50, 50, 50]);
    expect(Math.max(...pages.map((p) => p.places))).toBeLessThanOrEqual(1_000);
  });

  it('answers a filter that matches nothing with empty pages and a token until the chain ends', async () => {
    const { store, reads } = storedChain(2_500, 0);
    const pages = await walk(new ListAuditEventsUseCase({ store }), reads, { action: 'tenant.deleted' });
    expect(pages).toEqual([
      { seqs: [], places: 1_000 },
      { seqs: [], places: 1_000 },
      { seqs: [], places: 500 },
    ]);
  });

  it('matches every field the filter names', async () => {
    const { store } = storedChain(30, 0, 3);
    const page = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a', action: 'run.started' }, pageSize: 5 });
    expect(page.records.map((r) => r.seq)).toEqual([28, 25, 22, 19, 16]);
    const none = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a', action: 'run.completed' } });
    expect(none).toEqual({ records: [], nextPageToken: '' });
  });
});
