import { parseQuery } from '../domain/audit-query';
import { ChainVerifier, type ChainVerdict } from '../domain/hash-chain';
import type { AuditLogStore } from './ports';

/** Walks the workspace's whole chain from seq 1 and reports the first broken link. */
export class VerifyAuditChain {
  constructor(private readonly store: AuditLogStore) {}

  async execute(workspaceId: string): Promise<ChainVerdict> {
    const { workspaceId: workspace } = parseQuery(workspaceId, null);
    const verifier = new ChainVerifier(await this.store.readHead(workspace));
    for await (const record of this.store.chain(workspace)) {
      if (!verifier.push(record)) break;
    }
    return verifier.finish();
  }
}
