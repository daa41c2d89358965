import { parseQuery } from '../domain/audit-query';
import { ChainVerifier, type ChainVerdict } from '../domain/chain-verifier';
import { chainEnd } from './chain-end';
import { walkChain } from './chain-reader';
import type { AuditLogStore } from './ports';

/**
 * Walks the workspace's whole chain from seq 1 to its end, sealed segments included, and reports
 * the first broken link: a sealed segment's records are hashed again like any others, so the
 * archive is verified with the rest.
 */
export class VerifyAuditChainUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: { workspaceId: string }): Promise<ChainVerdict> {
    const { workspaceId: workspace } = parseQuery(command.workspaceId, null);
    const { store } = this.deps;
    const verifier = new ChainVerifier(await store.readHead(workspace));
    const end = await chainEnd(store, workspace);
    walk: for await (const stretch of walkChain(store, workspace, { from: 1, to: end.seq, order: 'oldest' })) {
      for (const record of stretch.records) {
        if (!verifier.push(record)) break walk;
      }
    }
    return verifier.finish();
  }
}
