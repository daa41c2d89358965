import { storedChain } from '../testing/stored-chain';
import { ExportAuditEventsUseCase } from './export-audit-events.use-case';
import { VerifyAuditChainUseCase } from './verify-audit-chain.use-case';

async function exported(useCase: ExportAuditEventsUseCase, command: Parameters<ExportAuditEventsUseCase['execute']>[0]) {
  let text = '';
  for await (const chunk of useCase.execute(command)()) text += chunk;
  return text
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { seq: number; tenant_id: string });
}

describe('exports and verification over archived, sealed and open segments', () => {
  // segments 1-2 archived (only their sealed copies), 3 sealed, 4 full but never sealed, 5 open
  const layout = () => storedChain(4_500, 2, 10, { sealed: 3, archived: 2 });

  it('exports every record once, in chain order either way, and seals the full segment it read by place', async () => {
    const { store, reads, segments } = layout();
    const oldest = await exported(new ExportAuditEventsUseCase({ store }), { workspaceId: 'ws-1', format: 'ndjson', oldestFirst: true });
    expect(oldest.map((r) => r.seq)).toEqual(Array.from({ length: 4_500 }, (_, i) => i + 1));
    expect(reads.sealedByReaders).toBe(1);
    expect(segments.has(4)).toBe(true);
    const newest = await exported(new ExportAuditEventsUseCase({ store }), { workspaceId: 'ws-1', format: 'ndjson', oldestFirst: false });
    expect(newest.map((r) => r.seq)).toEqual(Array.from({ length: 4_500 }, (_, i) => 4_500 - i));
  });

  it('exports what a filter matches', async () => {
    const { store } = layout();
    const rows = await exported(new ExportAuditEventsUseCase({ store }), { workspaceId: 'ws-1', filter: { tenant_id: 'tenant-a' }, format: 'ndjson', oldestFirst: true });
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 450 }, (_, i) => 1 + 10 * i));
  });

  it('verifies the whole chain, the archive included, and names an edit of a sealed record', async () => {
    const { store, segments } = layout();
    const verify = new VerifyAuditChainUseCase({ store });
    expect(await verify.execute({ workspaceId: 'ws-1' })).toMatchObject({ ok: true, checked: 4_500, lastSeq: 4_500 });
    const first = segments.get(1)!;
    segments.set(1, { ...first, text: first.text.replace('"subjectId":"event-42"', '"subjectId":"forged"') });
    expect(await verify.execute({ workspaceId: 'ws-1' })).toMatchObject({ ok: false, firstBadSeq: 42, problem: 'HASH_MISMATCH' });
  });
});
