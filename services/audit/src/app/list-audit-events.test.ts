import { chainFrom, EMPTY_HEAD, headOf, type AuditRecord, type ChainHead } from '../domain/audit-record';
import { auditEntry } from '../testing/audit-entry';
import { ListAuditEventsUseCase } from './list-audit-events.use-case';
import type { AuditLogStore } from './ports';

/** A chain of `length` records whose stored head lags `lag` places behind its end; only reads by place. */
function storedChain(length: number, lag: number) {
  const records = chainFrom(EMPTY_HEAD, Array.from({ length }, (_, i) => auditEntry(`event-${i + 1}`)));
  const head: ChainHead | null = length - lag > 0 ? headOf(records[length - lag - 1]!) : null;
  const at = (seq: number) => records[seq - 1];
  const reads = { places: 0 };
  const store = {
    readHead: async () => head,
    linkAt: async (_ws: string, seq: number) => (at(seq) ? headOf(at(seq)!) : null),
    recordsAt: async (_ws: string, seqs: readonly number[]) => {
      reads.places += seqs.length;
      return seqs.map(at).filter((record): record is AuditRecord => record !== undefined);
    },
    page: () => Promise.reject(new Error('a whole-chain page queries nothing')),
  } as unknown as AuditLogStore;
  return { store, reads };
}

describe('pages of a whole chain, read by place', () => {
  it('pages newest first from the chain end (past a lagging head) down to seq 1, reading only the page', async () => {
    const { store, reads } = storedChain(120, 7);
    const list = new ListAuditEventsUseCase({ store });
    const seen: number[] = [];
    let pageToken = '';
    do {
      const before = reads.places;
      const page = await list.execute({ workspaceId: 'ws-1', pageSize: 50, pageToken });
      expect(reads.places - before).toBeLessThanOrEqual(50);
      seen.push(...page.records.map((r) => r.seq));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
  });

  it('answers an empty chain with an empty page', async () => {
    const { store } = storedChain(0, 0);
    expect(await new ListAuditEventsUseCase({ store }).execute({ workspaceId: 'ws-1' })).toEqual({ records: [], nextPageToken: '' });
  });
});
