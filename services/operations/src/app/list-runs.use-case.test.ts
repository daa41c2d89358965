import type { Run } from '../domain/run';
import { runList, RUNS_EXAMINED_PER_PAGE } from '../domain/run-list';
import { ListRunsUseCase } from './list-runs.use-case';
import type { RunListPosition, RunRepository } from './ports';

/** A workspace's run lists in memory, one run a revision, newest last; counts the runs read and the reads. */
function runLists(runs: Run[]) {
  const reads = { runs: 0, calls: [] as number[] };
  const lists = new Map<string, Run[]>();
  for (const run of runs) for (const list of [runList(run.workspaceId), runList(run.workspaceId, run.tenantId)]) lists.set(list, [...(lists.get(list) ?? []), run]);
  const repository = {
    listed: async (_ws: string, list: string, count: number, after?: RunListPosition) => {
      const all = lists.get(list) ?? [];
      const top = after ? after.revision - 1 : all.length;
      const found = Array.from({ length: Math.max(0, Math.min(count, top)) }, (_, i) => ({ run: all[top - i - 1]!, position: { revision: top - i, taken: 1 } }));
      reads.runs += found.length;
      reads.calls.push(count);
      return found;
    },
  } as unknown as RunRepository;
  return { list: new ListRunsUseCase({ runs: repository }), reads };
}

function run(i: number, fields: Partial<Run> = {}): Run {
  return { id: `run-${i}`, workspaceId: 'ws-1', tenantId: `t-${i % 3}`, type: 'diagnostics.noop', subject: '', status: 'completed', outcome: 'succeeded', createdAt: new Date(i * 1000), ...fields } as Run;
}

async function everyPage(list: ListRunsUseCase, command: Parameters<ListRunsUseCase['execute']>[0]) {
  const pages: string[][] = [];
  let pageToken = '';
  do {
    const page = await list.execute({ ...command, pageToken });
    pages.push(page.runs.map((r) => r.id));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return pages;
}

describe('ListRuns reads a run list and filters on it', () => {
  it('pages the workspace newest first, a full page at a time', async () => {
    const { list } = runLists(Array.from({ length: 7 }, (_, i) => run(i)));
    expect(await everyPage(list, { workspaceId: 'ws-1', pageSize: 3 })).toEqual([
      ['run-6', 'run-5', 'run-4'],
      ['run-3', 'run-2', 'run-1'],
      ['run-0'],
    ]);
  });

  it("reads the tenant's list for a tenant, and checks the rest of the filter on each run", async () => {
    const { list } = runLists(Array.from({ length: 12 }, (_, i) => run(i, { outcome: i % 2 === 0 ? 'failed' : 'succeeded' })));
    expect(await everyPage(list, { workspaceId: 'ws-1', tenantId: 't-0', outcome: 'failed' })).toEqual([['run-6', 'run-0']]);
  });

  it('finds the runs that ended with a reason code, within a time range', async () => {
    const runs = Array.from({ length: 30 }, (_, i) => run(i, { reasonCode: i % 4 === 0 ? 'PROVIDER.THROTTLED' : null, outcome: i % 4 === 0 ? 'failed' : 'succeeded' }));
    const { list } = runLists(runs);
    const command = { workspaceId: 'ws-1', reasonCode: 'PROVIDER.THROTTLED', createdAfter: new Date(8_000).toISOString(), createdBefore: new Date(24_000).toISOString() };
    expect(await everyPage(list, command)).toEqual([['run-20', 'run-16', 'run-12', 'run-8']]);
  });

  it('answers a range that holds no instant at once, reading nothing', async () => {
    const { list, reads } = runLists(Array.from({ length: 30 }, (_, i) => run(i)));
    const at = new Date(8_000).toISOString();
    expect(await list.execute({ workspaceId: 'ws-1', createdAfter: at, createdBefore: at })).toEqual({ runs: [], nextPageToken: '' });
    expect(reads.runs).toBe(0);
  });

  it('reads as many runs next as the share of matches so far says a full page takes', async () => {
    const runs = Array.from({ length: 3_000 }, (_, i) => run(i, { outcome: i % 21 === 0 ? 'failed' : 'succeeded' }));
    const { list, reads } = runLists(runs);
    const page = await list.execute({ workspaceId: 'ws-1', tenantId: 't-0', outcome: 'failed', pageSize: 50 });
    expect(page.runs).toHaveLength(50);
    expect(page.runs.every((r) => r.tenantId === 't-0' && r.outcome === 'failed')).toBe(true);
    // one in seven of t-0's runs failed: 51 matches take about 357 of them; the first 102 found
    // about 15, which says how many more to read
    expect(reads.calls).toHaveLength(2);
    expect(reads.runs).toBeLessThanOrEqual(RUNS_EXAMINED_PER_PAGE);
  });

  it('answers a page that looked at its share of runs with what matched and a token to go on', async () => {
    const runs = Array.from({ length: 2 * RUNS_EXAMINED_PER_PAGE + 10 }, (_, i) => run(i, { status: i === 5 ? 'running' : 'completed' }));
    const { list, reads } = runLists(runs);
    const pages = await everyPage(list, { workspaceId: 'ws-1', status: 'running' });
    expect(pages).toEqual([[], [], ['run-5']]);
    expect(reads.runs).toBe(runs.length);
    // a first read that matched nothing is followed by one read of the rest of the page's share
    expect(reads.calls.slice(0, 2)).toEqual([102, RUNS_EXAMINED_PER_PAGE - 102]);
  });
});
