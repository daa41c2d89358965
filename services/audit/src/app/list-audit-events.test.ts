import { encodePageToken } from '../domain/audit-query';
import { storedChain } from '../testing/stored-chain';
import { ListAuditEventsUseCase } from './list-audit-events.use-case';

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

  it('reads the places retention removed from their sealed segment', async () => {
    const { store, reads } = storedChain(2_100, 0, 0, { sealed: 2, archived: 2 });
    const page = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', pageSize: 200, pageToken: encodePageToken(1_050) });
    expect(page.records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 1_049 - i));
    // the places by themselves (none stored), then segment 2 whole and segment 1 for the rest
    expect(reads.segments).toBe(2);
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

  it('takes a sealed segment in one read, looking at up to 2,000 places of them a page', async () => {
    const { store, reads } = storedChain(7_500, 0, 10, { sealed: 7, archived: 3 });
    const pages = await walk(new ListAuditEventsUseCase({ store }), reads, { action: 'tenant.deleted' });
    // the open segment's 500 places by place (its chain end says it is not full), then sealed segments
    // 7 and 6 in a read each, which takes the page past 2,000 places; the next pages read segments
    // 5..4, 3..2 and 1, 3..1 from their sealed copies alone (retention removed their records)
    expect(pages).toEqual([
      { seqs: [], places: 500 },
      { seqs: [], places: 0 },
      { seqs: [], places: 0 },
      { seqs: [], places: 0 },
    ]);
    expect(reads.segments).toBe(2 + 2 + 2 + 1);
    const matches = await walk(new ListAuditEventsUseCase({ store }), reads, { tenant_id: 'tenant-a' });
    expect(matches.flatMap((p) => p.seqs)).toEqual(Array.from({ length: 750 }, (_, i) => 7_491 - 10 * i));
  });

  it('matches every field the filter names', async () => {
    const { store } = storedChain(30, 0, 3);
    const page = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a', action: 'run.started' }, pageSize: 5 });
    expect(page.records.map((r) => r.seq)).toEqual([28, 25, 22, 19, 16]);
    const none = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a', action: 'run.completed' } });
    expect(none).toEqual({ records: [], nextPageToken: '' });
  });

  it("reads one tenant's slice of each sealed segment, not the segments, and the open segment by place", async () => {
    const { store, reads } = storedChain(7_500, 0, 100, { sealed: 7 });
    const list = new ListAuditEventsUseCase({ store });
    const pages = await walk(list, reads, { tenant_id: 'tenant-a' });
    // tenant-a holds every 100th place: 5 in the open segment, 10 in each sealed one
    expect(pages.flatMap((p) => p.seqs)).toEqual(Array.from({ length: 75 }, (_, i) => 7_401 - 100 * i));
    expect(pages.map((p) => p.seqs.length)).toEqual([50, 25]);
    expect(reads.segments).toBe(0);
    expect(reads.places).toBe(500);
  });

  it('reads a segment sealed before segments were sliced whole, and skips a slice the tenant has none of', async () => {
    const { store, reads } = storedChain(7_000, 0, 100, { sealed: 7, sliced: 6 });
    const page = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a' }, pageSize: 500 });
    expect(page.records.map((r) => r.seq)).toEqual(Array.from({ length: 70 }, (_, i) => 6_901 - 100 * i));
    // segment 7 whole, 6..1 as slices
    expect(reads.segments).toBe(1);
    const none = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-b' }, pageSize: 500 });
    expect(none).toEqual({ records: [], nextPageToken: '' });
  });

  it("looks at no more than 20 of a tenant's slices a page", async () => {
    const { store } = storedChain(25_000, 0, 0, { sealed: 25 });
    const pages: number[] = [];
    let pageToken = '';
    do {
      const page = await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a' }, pageToken });
      pages.push(page.records.length);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(pages).toEqual([0, 0]);
  });
});
