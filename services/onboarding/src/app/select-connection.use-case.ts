import { notFound, type Actor } from '@tenantatlas/shared';
import { advanceStep, assertMutable, type DraftEntity } from '../domain/draft';
import { draftErrors, inputErrors } from '../domain/errors';
import { withConnectionEvidence } from '../domain/draft-evidence';
import type { ConnectionEvidence } from '../domain/evidence';
import { optionalText, requireId, requireVersion } from '../domain/validation';
import { writeDraft } from './draft-writer';
import type { NewConnectionInput, OnboardingDeps } from './ports';
import { transitionTenant } from './tenants.use-case';

export interface SelectConnectionCommand {
  workspaceId: string;
  actor: Actor;
  draftId: string;
  expectedVersion: number;
  connectionId: string;
  newConnection: NewConnectionInput | null;
}

export interface SelectConnectionResult {
  draft: DraftEntity;
  connection: ConnectionEvidence;
  created: boolean;
}

/** Selects a connection of the draft's tenant (or creates one through the connections service). */
export async function selectConnection(deps: OnboardingDeps, cmd: SelectConnectionCommand): Promise<SelectConnectionResult> {
  const expectedVersion = requireVersion(cmd.expectedVersion);
  if (!!cmd.connectionId === !!cmd.newConnection) throw inputErrors.invalid('connection_id', 'give exactly one of connection_id or new_connection');
  const current = await deps.drafts.get(cmd.workspaceId, cmd.draftId);
  if (!current) throw draftErrors.notFound(cmd.draftId);
  assertMutable(current, expectedVersion);
  const tenantId = current.tenantId;
  if (!tenantId) throw draftErrors.tenantNotIdentified();

  let connection: ConnectionEvidence | null;
  if (cmd.connectionId) {
    const connectionId = requireId('connection_id', cmd.connectionId);
    connection = await deps.connections.getConnection(cmd.workspaceId, connectionId, tenantId);
    if (!connection) throw notFound('CONNECTION.NOT_FOUND', 'provider connection not found', { connectionId });
  } else {
    const input = cmd.newConnection!;
    connection = await deps.connections.createConnection(cmd.workspaceId, cmd.actor, tenantId, {
      ...input,
      displayName: optionalText('new_connection.display_name', input.displayName) || `${current.tenantName || current.externalTenantId} connection`,
    });
  }
  const selected = connection;

  const draft = await writeDraft(deps, { workspaceId: cmd.workspaceId, draftId: cmd.draftId, actor: cmd.actor, expectedVersion }, (d) => {
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
      extra: { connectionCreated: !cmd.connectionId },
    };
  });
  await transitionTenant(deps, cmd.workspaceId, tenantId, 'start_onboarding', cmd.actor);
  return { draft, connection: selected, created: !cmd.connectionId };
}
