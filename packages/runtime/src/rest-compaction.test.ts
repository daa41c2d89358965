import { compactAtRest } from './rest-compaction';

/** Polls until `done` holds (a collection has to happen first), failing after `ms`. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('compactAtRest', () => {
  it('collects what the work left behind once the process is at rest', async () => {
    // nothing else allocates here, so no collection of V8's own would clear the reference
    let leftover: string[] | undefined = Array.from({ length: 1_000 }, (_, i) => `request ${i}`);
    const ref = new WeakRef(leftover);
    leftover = undefined;
    const compaction = compactAtRest(50);
    try {
      await until(() => ref.deref() === undefined);
    } finally {
      compaction.stop();
    }
    expect(ref.deref()).toBeUndefined();
  });
});
