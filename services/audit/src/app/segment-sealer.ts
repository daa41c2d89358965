import type { AuditRecord } from '../domain/audit-record';
import { placesOfSegment, sealSegment, segmentOf } from '../domain/chain-segment';
import { recordsAtPlaces } from './chain-reader';
import type { AuditLogStore } from './ports';
import type { Retention } from './retention';

/** Workspaces whose records since their last full segment are kept in memory for sealing it. */
const KEPT_WORKSPACES = 16;

/**
 * The writer's side of sealing: a segment is sealed as soon as an append fills its last place,
 * from the records this process appended since the segment began (kept in memory) and, for places
 * another writer took or that this process appended before a restart, from the records read by
 * place. A writer that crashes before sealing leaves the segment to the first reader that reads
 * it whole (chain-reader), so sealing is never needed for correctness, only for the reads. Each
 * seal gives retention its turn (Retention).
 */
export class SegmentSealer {
  /** per workspace, the records this process appended last, in chain order and without gaps */
  private readonly tails = new Map<string, AuditRecord[]>();

  constructor(
    private readonly store: Pick<AuditLogStore, 'recordsAt' | 'segmentAt' | 'insertSegment'>,
    private readonly retention?: Retention,
  ) {}

  /** `records`: records just stored by this process, one workspace's, in chain order without gaps. */
  async stored(records: readonly AuditRecord[]): Promise<void> {
    const first = records[0];
    if (!first) return;
    const workspaceId = first.workspaceId;
    const kept = this.tails.get(workspaceId) ?? [];
    this.tails.delete(workspaceId);
    let tail = kept.length > 0 && kept.at(-1)!.seq + 1 === first.seq ? [...kept, ...records] : [...records];
    for (let segment = segmentOf(tail[0]!.seq); tail.length > 0 && tail.at(-1)!.seq >= placesOfSegment(segment).last; segment++) {
      const { first: from, last } = placesOfSegment(segment);
      const own = tail.filter((r) => r.seq <= last);
      tail = tail.slice(own.length);
      const earlierPlaces = Array.from({ length: own[0]!.seq - from }, (_, i) => from + i);
      const earlier = await recordsAtPlaces(this.store, workspaceId, earlierPlaces);
      // a place missing here was removed behind the service's back: the segment stays unsealed
      if (earlier.length !== earlierPlaces.length) continue;
      const sealed = sealSegment([...earlier, ...own]);
      if (!sealed) continue;
      await this.store.insertSegment(sealed);
      await this.retention?.apply(workspaceId, segment);
    }
    if (tail.length === 0) return;
    this.tails.set(workspaceId, tail);
    if (this.tails.size > KEPT_WORKSPACES) this.tails.delete(this.tails.keys().next().value!);
  }

  /** Forgets what was kept of a workspace (its chain moved under this process). */
  forget(workspaceId: string): void {
    this.tails.delete(workspaceId);
  }
}
