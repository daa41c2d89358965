import { parseQuery } from '../domain/audit-query';
import { ChainVerifier, type ChainVerdict } from '../domain/hash-chain';
import type { AuditLogStore } from './ports';

const BATCH = 1_000;

/** Walks the workspace's whole chain from seq 1 and reports the first broken link. */
export class VerifyAuditChain {
  constructor(private readonly store: AuditLogStore) {}

  async execute(workspaceId: string): Promise<ChainVerdict> {
    const { workspaceId: workspace } = parseQuery(workspaceId, null);
    const verifier = new ChainVerifier(await this.store.readHead(workspace));
    let after = 0;
    for (;;) {
      const batch = await this.store.chainBatch(workspace, after, BATCH);
      for (const record of batch) {
        if (!verifier.push(record)) return verifier.finish();
      }
      if (batch.length < BATCH) return verifier.finish();
      after = batch.at(-1)!.seq;
    }
  }
}
