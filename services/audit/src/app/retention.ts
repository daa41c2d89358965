import { placesOfSegment } from '../domain/chain-segment';
import type { AuditLogStore } from './ports';

/** Segments whose records one seal may remove: retention catches up a little at each seal. */
const SEGMENTS_PER_SEAL = 2;

const DAY_MS = 24 * 60 * 60 * 1_000;

/**
 * Records older than the retention window leave the log of single records and live on in their
 * sealed segment, the archive: still listed, searched, exported and verified (the readers take
 * sealed segments whole), no longer found by event id alone. A workspace's segments go in chain
 * order, oldest first, once all their records were recorded before the window; a segment that
 * was never sealed (too large for one document) stops retention there, since its records exist
 * nowhere else.
 *
 * It runs when an append seals a segment, so it costs nothing at rest and keeps pace with the
 * log. Two writers may remove the same records (deleting twice is harmless) and the mark of how
 * far it got is a plain write that may go back: the next seal repeats that work.
 *
 * A window shorter than the lifecycle topics' retention lets an old event delivered again be
 * recorded again, its first record no longer there to refuse it.
 */
export class Retention {
  constructor(
    private readonly deps: {
      store: Pick<AuditLogStore, 'segmentAt' | 'archivedThrough' | 'removeRecords' | 'markArchived'>;
      /** the workspace's retention window, in days */
      windowDays: (workspaceId: string) => number;
      now?: () => Date;
    },
  ) {}

  /** After segment `sealed` of the workspace was sealed: removes the records of the oldest segments past the window. */
  async apply(workspaceId: string, sealed: number): Promise<void> {
    const { store } = this.deps;
    const cutoff = (this.deps.now ?? (() => new Date()))().getTime() - this.deps.windowDays(workspaceId) * DAY_MS;
    let through = await store.archivedThrough(workspaceId);
    for (let n = 0; n < SEGMENTS_PER_SEAL && through < sealed; n++) {
      const next = await store.segmentAt(workspaceId, through + 1);
      if (!next || next.recordedTo.getTime() >= cutoff) return;
      const { first, last } = placesOfSegment(next.segment);
      await store.removeRecords(workspaceId, Array.from({ length: last - first + 1 }, (_, i) => first + i));
      through = next.segment;
      await store.markArchived(workspaceId, through);
    }
  }
}
