import pino from 'pino';
import type { Run } from '../domain/run';
import type { RunArchive } from './ports';
import { RunRetention } from './run-retention';

const NOW = new Date('2026-06-30T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1_000);

/** A run that completed `age` days ago, or is still running (null). */
const run = (id: string, age: number | null) => ({ id, status: age === null ? 'running' : 'completed', completedAt: age === null ? null : daysAgo(age) }) as Run;

/** A workspace's run list of the given revisions, each with its runs; what the archive did with them. */
function workspace(revisions: (Run | null)[][], options: { pending?: number[] } = {}) {
  let mark = 0;
  const archived: number[] = [];
  const archive: RunArchive = {
    archivedThrough: async () => mark,
    markArchived: async (_ws, revision) => void (mark = revision),
    finalRevision: async (_ws, revision, _writtenBefore) => {
      const runs = revisions[revision - 1];
      return runs && runs.every((r) => r === null || r.status === 'completed') ? runs : null;
    },
    archive: async (_ws, revision) => {
      if (options.pending?.includes(revision)) return false;
      archived.push(revision);
      return true;
    },
  };
  const windows: Record<string, number> = { short: 7 };
  const retention = new RunRetention({ archive, windowDays: (ws) => windows[ws] ?? 30, logger: pino({ level: 'silent' }), now: () => NOW });
  return { retention, archived, mark: () => mark };
}

describe('RunRetention', () => {
  it('archives the oldest revisions whose runs all completed before the window, and stops at the first that did not', async () => {
    const { retention, archived, mark } = workspace([[run('a', 90), null], [run('b', 40), run('c', 31)], [run('d', 40), run('e', 10)], [run('f', 90)]]);
    expect(await retention.apply('ws')).toBe(2);
    // revision 3 holds a run inside the window: the mark waits at 2, while revision 4, read in the
    // same group, was archived on its own
    expect(archived).toEqual([1, 2, 4]);
    expect(mark()).toBe(2);
    expect(await retention.apply('ws')).toBe(0);
    expect(mark()).toBe(2);
  });

  it('stops the mark at a revision with a run still going', async () => {
    const { retention, mark } = workspace([[run('a', 90)], [run('b', null)], [run('c', 90)]]);
    await retention.apply('ws');
    expect(mark()).toBe(1);
  });

  it('leaves a revision whose events are not all published for a later pass', async () => {
    const { retention, archived, mark } = workspace([[run('a', 90)], [run('b', 90)]], { pending: [1] });
    expect(await retention.apply('ws')).toBe(0);
    expect(mark()).toBe(0);
    expect(archived).not.toContain(1);
  });

  it("uses the workspace's own window", async () => {
    const revisions = [[run('a', 10)]];
    expect(await workspace(revisions).retention.apply('long')).toBe(0);
    expect(await workspace(revisions).retention.apply('short')).toBe(1);
  });

  it('archives at most 32 revisions a pass', async () => {
    const { retention, mark } = workspace(Array.from({ length: 40 }, (_, i) => [run(`r${i}`, 90)]));
    expect(await retention.apply('ws')).toBe(32);
    expect(mark()).toBe(32);
  });

  it('runs a pass after every 16 starts of a workspace', async () => {
    const { retention, mark } = workspace(Array.from({ length: 40 }, (_, i) => [run(`r${i}`, 90)]));
    for (let i = 0; i < 15; i++) retention.afterStart('ws');
    await new Promise((resolve) => setImmediate(resolve));
    expect(mark()).toBe(0);
    retention.afterStart('ws');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mark()).toBe(32);
  });
});
