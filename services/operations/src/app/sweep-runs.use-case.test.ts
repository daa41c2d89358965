import pino from 'pino';
import type { Run } from '../domain/run';
import { RunMetrics } from './metrics';
import type { RunRepository } from './ports';
import { SweepRunsUseCase } from './sweep-runs.use-case';

/** A schedule of `entries` due entries (one a millisecond), none of whose runs needs moving. */
function scheduleOf(entries: number) {
  const pages: (Date | undefined)[] = [];
  const repository = {
    async findDue(_now: Date, limit: number, after?: Date) {
      pages.push(after);
      const from = after ? after.getTime() + 1 : 0;
      const count = Math.min(limit, entries - from);
      return count === limit ? { due: [] as Run[], next: new Date(from + count - 1) } : { due: [] as Run[] };
    },
  };
  return { repository: repository as unknown as RunRepository, pages };
}

function sweeper(repository: RunRepository): SweepRunsUseCase {
  return new SweepRunsUseCase({
    runs: repository,
    metrics: new RunMetrics(),
    logger: pino({ level: 'silent' }),
    options: { intervalMs: 1_000, redispatchAfterMs: 15_000, batchSize: 100 },
  });
}

describe('Sweeper pass', () => {
  it('reads page after page, each starting where the last ended, until one is not full', async () => {
    const { repository, pages } = scheduleOf(250);
    await sweeper(repository).execute();
    expect(pages.map((after) => after?.getTime())).toEqual([undefined, 99, 199]);
  });

  it('stops after 20 pages; the next pass goes on', async () => {
    const { repository, pages } = scheduleOf(100_000);
    await sweeper(repository).execute();
    expect(pages).toHaveLength(20);
  });
});
