import { EMPTY_HEAD, headOf, type ChainHead } from '../domain/audit-record';
import type { AuditLogStore } from './ports';

/**
 * The end of a workspace's chain (seq 0 while it is empty), read by place only. The chain has a
 * record at every place from 1 to its end, and its stored head is never ahead of it (it may lag),
 * so the end is found from the head, or from a record known to be on the chain when that is
 * further, by looking up the places after it one at a time.
 */
export async function chainEnd(store: Pick<AuditLogStore, 'readHead' | 'linkAt'>, workspaceId: string, known: ChainHead = EMPTY_HEAD): Promise<ChainHead> {
  const stored = await store.readHead(workspaceId);
  let end = stored && stored.seq > known.seq ? stored : known;
  for (;;) {
    const next = await store.linkAt(workspaceId, end.seq + 1);
    if (!next) return end;
    end = headOf(next);
  }
}
