import { emptyState, openedDraft, type DraftEntity } from '../domain/draft';
import type { ConnectionEvidence, RunEvidence } from '../domain/evidence';

/** Builders for unit tests of the pure domain (no I/O). */
export const T0 = new Date('2026-01-01T10:00:00Z');
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export function run(overrides: Partial<RunEvidence> = {}): RunEvidence {
  return {
    runId: 'run-1',
    type: 'provider.connection.check',
    subject: 'conn-1',
    status: 'completed',
    outcome: 'succeeded',
    reasonCode: '',
    createdAt: at(1),
    observedAt: at(2),
    ...overrides,
  };
}

export function connection(overrides: Partial<ConnectionEvidence> = {}): ConnectionEvidence {
  return {
    connectionId: 'conn-1',
    tenantId: 'tenant-1',
    provider: 'microsoft',
    displayName: 'Contoso app',
    isDefault: true,
    enabled: true,
    consentStatus: 'granted',
    verificationStatus: 'healthy',
    lastReasonCode: '',
    verificationStale: false,
    missingPermissionCount: 0,
    permissionsLastRefreshedAt: at(2),
    permissionsStale: false,
    updatedAt: at(0),
    version: 3,
    observedAt: at(2),
    ...overrides,
  };
}

export function draft(overrides: Partial<DraftEntity> = {}): DraftEntity {
  return { ...openedDraft({ id: 'draft-1', workspaceId: 'ws-1', actor: { kind: 'user', userId: 'u-1' }, now: T0, tenant: null }), ...overrides };
}

/** A draft identified, with conn-1 selected and observed as `conn`, verified by `verification`. */
export function verifiedDraft(options: { conn?: Partial<ConnectionEvidence>; verification?: Partial<RunEvidence> | null } = {}): DraftEntity {
  const verification = options.verification === null ? null : run(options.verification ?? {});
  return draft({
    tenantId: 'tenant-1',
    externalTenantId: 'contoso.onmicrosoft.com',
    tenantName: 'Contoso',
    state: {
      ...emptyState(),
      selectedConnectionId: 'conn-1',
      verificationRunId: verification?.runId ?? null,
      verificationConnectionId: verification ? 'conn-1' : null,
    },
    evidence: { runs: verification ? [verification] : [], connection: connection(options.conn ?? {}), connectionChangedAt: null },
  });
}
