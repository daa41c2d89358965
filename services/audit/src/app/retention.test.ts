import type { SealedSegment } from '../domain/chain-segment';
import { Retention } from './retention';

const NOW = new Date('2026-06-30T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1_000);

/** Sealed segments recorded `ages` days ago (null: not sealed), records kept by place until removed. */
function archive(ages: (number | null)[], windowDays: (workspaceId: string) => number = () => 30) {
  const segments = new Map<number, SealedSegment>();
  ages.forEach((age, i) => {
    if (age !== null) segments.set(i + 1, { segment: i + 1, recordedTo: daysAgo(age) } as SealedSegment);
  });
  const removed: number[] = [];
  let mark = 0;
  const store = {
    segmentAt: async (_ws: string, segment: number) => segments.get(segment) ?? null,
    archivedThrough: async () => mark,
    markArchived: async (_ws: string, segment: number) => void (mark = segment),
    removeRecords: async (_ws: string, seqs: readonly number[]) => void removed.push(...seqs),
  };
  const retention = new Retention({ store, windowDays, now: () => NOW });
  return { retention, removed, mark: () => mark };
}

describe('Retention', () => {
  it('removes the records of sealed segments recorded before the window, oldest first, two a seal', async () => {
    const { retention, removed, mark } = archive([90, 60, 45, 10]);
    await retention.apply('ws-1', 4);
    expect(mark()).toBe(2);
    expect(removed).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    await retention.apply('ws-1', 4);
    expect(mark()).toBe(3);
    expect(removed).toHaveLength(3_000);
    // segment 4 is inside the window
    await retention.apply('ws-1', 4);
    expect(mark()).toBe(3);
  });

  it('stops at a segment that was never sealed: its records exist nowhere else', async () => {
    const { retention, removed, mark } = archive([90, null, 60]);
    await retention.apply('ws-1', 3);
    expect(mark()).toBe(1);
    await retention.apply('ws-1', 3);
    expect(mark()).toBe(1);
    expect(removed).toHaveLength(1_000);
  });

  it('removes nothing beyond the segment just sealed', async () => {
    const { retention, mark } = archive([90, 90, 90]);
    await retention.apply('ws-1', 1);
    expect(mark()).toBe(1);
  });

  it("uses the workspace's own window", async () => {
    const { retention, mark } = archive([20, 10, 3], (workspaceId) => (workspaceId === 'ws-short' ? 7 : 30));
    await retention.apply('ws-long', 3);
    expect(mark()).toBe(0);
    await retention.apply('ws-short', 3);
    expect(mark()).toBe(2);
  });
});
