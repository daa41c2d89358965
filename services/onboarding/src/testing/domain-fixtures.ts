import { emptyState, openedDraft, type DraftEntity } from '../domain/draft';
import type { ConnectionEvidence, RunEvidence } from '../domain/evidence';

/** Builders for unit tests of the pure domain (no I/O). */
export const T0 = new Date('2026-01-01T10:00:00Z');
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A builder: fresh defaults with the test's overrides on top. */
const builder =
  <T>(defaults: () => T) =>
  (overrides: Partial<T> = {}): T => ({ ...defaults(), ...overrides });

export const run = builder<RunEvidence>(() => ({
  runId: 'run-1',
  type: 'provider.connection.check',
  subject: 'conn-1',
  status: 'completed',
  outcome: 'succeeded',
  reasonCode: '',
  createdAt: at(1),
  observedAt: at(2),
}));

export const connection = builder<ConnectionEvidence>(() => ({
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
}));

export const draft = builder<DraftEntity>(() =>
  openedDraft({ id: 'draft-1', workspaceId: 'ws-1', actor: { kind: 'user', userId: 'u-1' }, now: T0, tenant: null }),
);

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
