import { apartFromTheCall } from '@tenantatlas/core';
import type { Logger } from 'pino';
import { archivable } from '../domain/run-list';
import type { RunArchive } from './ports';

/** starts of a workspace (in this process) between two retention passes over it */
const STARTS_PER_PASS = 16;
/** revisions one pass archives at most: it catches up a little at a time */
const REVISIONS_PER_PASS = 32;
/**
 * revisions archived at once: each is a few reads and writes that wait on one another, so one at
 * a time leaves the database idle between them
 */
const ARCHIVED_AT_ONCE = 8;
/** workspaces whose starts this process counts */
const MAX_COUNTED = 10_000;

const DAY_MS = 24 * 60 * 60 * 1_000;

/**
 * Runs that completed before their workspace's retention window leave the live runs for the
 * archive: the sealed revisions of the workspace's run list, which keep every run's last state.
 * They are still listed, filtered and found by id, no longer changed by anything (a completed run
 * never is). A workspace's revisions go oldest first, a few at once, each once every run it names
 * completed before the window; the mark of how far retention got stops at the first revision with
 * a run still inside the window or still going, and a later one archived beside it is found done
 * by the next pass.
 *
 * Starts are what grows a workspace's history, so a pass follows every STARTS_PER_PASS starts of
 * a workspace: it costs nothing at rest and keeps pace with the list. Two replicas may archive the
 * same revision (they write the same places and delete the same documents), and the mark of how
 * far it got may go back: the next pass repeats that work, which changes nothing.
 */
export class RunRetention {
  private readonly startsSincePass = new Map<string, number>();
  private readonly passing = new Set<string>();

  constructor(
    private readonly deps: {
      archive: RunArchive;
      /** the workspace's retention window, in days */
      windowDays: (workspaceId: string) => number;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  /** After a start stored a run of the workspace: every STARTS_PER_PASS, a pass in the background. */
  afterStart(workspaceId: string): void {
    const starts = (this.startsSincePass.get(workspaceId) ?? 0) + 1;
    if (this.startsSincePass.size >= MAX_COUNTED && !this.startsSincePass.has(workspaceId)) this.startsSincePass.clear();
    this.startsSincePass.set(workspaceId, starts % STARTS_PER_PASS);
    if (starts < STARTS_PER_PASS || this.passing.has(workspaceId)) return;
    this.passing.add(workspaceId);
    // the start that set it off answers meanwhile: the pass is not limited by its deadline
    apartFromTheCall(() => this.apply(workspaceId))
      .catch((err: unknown) => this.deps.logger.warn({ err, workspaceId }, 'run retention pass failed; the next one goes on from its mark'))
      .finally(() => this.passing.delete(workspaceId));
  }

  /** Archives the oldest revisions of the workspace's run list past its window; how many it archived. */
  async apply(workspaceId: string): Promise<number> {
    const { archive } = this.deps;
    const windowStart = new Date((this.deps.now ?? (() => new Date()))().getTime() - this.deps.windowDays(workspaceId) * DAY_MS);
    const from = await archive.archivedThrough(workspaceId);
    let through = from;
    while (through - from < REVISIONS_PER_PASS) {
      // a few revisions at once, each archived on its own; the mark moves over those archived in a row
      const numbers = Array.from({ length: ARCHIVED_AT_ONCE }, (_, k) => through + 1 + k);
      const archived = await Promise.all(
        numbers.map(async (revision) => {
          const runs = await archive.finalRevision(workspaceId, revision, windowStart);
          return !!runs && archivable(runs, windowStart) && (await archive.archive(workspaceId, revision, runs));
        }),
      );
      const inARow = archived.indexOf(false) === -1 ? archived.length : archived.indexOf(false);
      through += inARow;
      if (inARow > 0) await archive.markArchived(workspaceId, through);
      if (inARow < archived.length) break;
    }
    return through - from;
  }
}
