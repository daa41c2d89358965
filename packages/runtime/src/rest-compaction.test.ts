import { compactAtRest, restWindows } from './rest-compaction';

describe('restWindows', () => {
  it('collects on the first window at rest after work, then only after more work', () => {
    let collections = 0;
    const window = restWindows(() => collections++);
    const seen = [0.001, 0, 0.01, 0.3, 0.9, 0.005, 0, 0.019, 0.02, 0].map((utilization) => {
      window(utilization);
      return collections;
    });
    // starting up is work: the first quiet window collects; 0.02 of a window is work, just below is rest
    expect(seen).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
  });
});

describe('compactAtRest', () => {
  it('measures the event loop: a process that comes to rest after a burst of work is compacted', async () => {
    let collections = 0;
    const windowMs = 50;
    const compaction = compactAtRest({ windowMs, collect: () => collections++ });
    const until = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (collections < count) {
        if (Date.now() > deadline) throw new Error(`compaction ${count} did not happen`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      await until(1);
      const before = collections;
      const end = Date.now() + windowMs * 2;
      while (Date.now() < end) {
        // a burst of work keeps the event loop busy for whole windows
      }
      await until(before + 1);
    } finally {
      compaction.stop();
    }
  });
});
