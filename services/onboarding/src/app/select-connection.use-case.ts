import { advanceStep, type DraftEntity } from '../domain/draft';
import { withConnectionEvidence } from '../domain/draft-evidence';
import { draftErrors, inputErrors, peerErrors } from '../domain/errors';
import type { ConnectionEvidence } from '../domain/evidence';
import { optionalText, requireId, requireVersion } from '../domain/validation';
import { loadMutable, writeDraft, type DraftCommand } from './draft-writer';
import type { NewConnectionInput, OnboardingDeps } from './ports';
import { transitionTenant } from './tenant-writer';

export interface SelectConnectionCommand extends DraftCommand {
  connectionId: string;
  newConnection: NewConnectionInput | null;
}

export interface SelectConnectionResult {
  draft: DraftEntity;
  connection: ConnectionEvidence;
  created: boolean;
}

/** Selects a connection of the draft's tenant (or creates one through the connections service). */
export class SelectConnectionUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: SelectConnectionCommand): Promise<SelectConnectionResult> {
    requireVersion(command.expectedVersion);
    if (!!command.connectionId === !!command.newConnection) throw inputErrors.invalid('connection_id', 'give exactly one of connection_id or new_connection');
    const current = await loadMutable(this.deps, command);
    const tenantId = current.tenantId;
    if (!tenantId) throw draftErrors.tenantNotIdentified();
    const selected = await this.connectionOf(command, current, tenantId);

    const draft = await writeDraft(this.deps, command, (d) => {
      const switched = d.state.selectedConnectionId !== selected.connectionId;
      const reset = {
        ...d,
        currentStep: advanceStep(d.currentStep, 'verify'),
        state: { ...d.state, selectedConnectionId: selected.connectionId },
        // evidence belongs to the connection it was observed on
        evidence: switched ? { ...d.evidence, connection: null, connectionChangedAt: null } : d.evidence,
      };
      return {
        next: withConnectionEvidence(reset, selected),
        action: 'connection_selected',
        extra: { connectionCreated: !command.connectionId },
      };
    });
    await transitionTenant(this.deps, command.workspaceId, tenantId, 'start_onboarding', command.actor);
    return { draft, connection: selected, created: !command.connectionId };
  }

  /** The existing connection of the tenant, or the one the connections service creates now. */
  private async connectionOf(command: SelectConnectionCommand, draft: DraftEntity, tenantId: string): Promise<ConnectionEvidence> {
    if (command.connectionId) {
      const connectionId = requireId('connection_id', command.connectionId);
      const connection = await this.deps.connections.getConnection(command.workspaceId, connectionId, tenantId);
      if (!connection) throw peerErrors.connectionNotFound(connectionId);
      return connection;
    }
    const input = command.newConnection!;
    return this.deps.connections.createConnection(command.workspaceId, command.actor, tenantId, {
      ...input,
      displayName: optionalText('new_connection.display_name', input.displayName) || `${draft.tenantName || draft.externalTenantId} connection`,
    });
  }
}
