import { compactAtRest } from './rest-compaction';

const WINDOW_MS = 50;

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rest = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop busy for a whole window, as a burst of requests would. */
function work(): void {
  const end = Date.now() + WINDOW_MS * 2;
  while (Date.now() < end) {
    // busy
  }
}

describe('compactAtRest', () => {
  it('compacts once when the process comes to rest after work, and again only after more work', async () => {
    let collections = 0;
    const compaction = compactAtRest({ windowMs: WINDOW_MS, collect: () => collections++ });
    try {
      await until(() => collections === 1, 'a compaction after starting up');
      await rest(WINDOW_MS * 6);
      expect(collections).toBe(1); // at rest, nothing new to give back

      work();
      await until(() => collections === 2, 'a compaction after the burst');
    } finally {
      compaction.stop();
    }
  });
});
