import { parseQuery } from '../domain/audit-query';
import { ChainVerifier, type ChainVerdict } from '../domain/chain-verifier';
import type { AuditLogStore } from './ports';

/** Walks the workspace's whole chain from seq 1 and reports the first broken link. */
export class VerifyAuditChainUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute(command: { workspaceId: string }): Promise<ChainVerdict> {
    const { workspaceId: workspace } = parseQuery(command.workspaceId, null);
    const verifier = new ChainVerifier(await this.deps.store.readHead(workspace));
    for await (const record of this.deps.store.chain(workspace)) {
      if (!verifier.push(record)) break;
    }
    return verifier.finish();
  }
}
