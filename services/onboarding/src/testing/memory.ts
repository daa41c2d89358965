/**
 * In-memory stand-ins for the ports, for unit tests of the use cases (no I/O). They keep the
 * rules the real adapters keep: revisions are compare-and-set, one open draft per tenant, one
 * tenant per external id, and every write records its events.
 */
import type { EventEnvelope } from '@tenantatlas/kafka';
import type { ConnectionsPort, DraftFilter, DraftRepository, OnboardingDeps, OperationsPort, Page, TenantRepository } from '../app/ports';
import { isTerminal, type DraftEntity } from '../domain/draft';
import { tenantErrors } from '../domain/errors';
import type { ConnectionEvidence, RunEvidence } from '../domain/evidence';
import type { TenantEntity } from '../domain/tenant';

const copy = <T>(value: T): T => structuredClone(value);

/** One aggregate's records by id, each in one workspace, and every event its writes recorded. */
class MemoryStore<T extends { id: string; workspaceId: string }> {
  readonly records = new Map<string, T>();
  readonly events: EventEnvelope[] = [];

  async get(workspaceId: string, id: string): Promise<T | null> {
    const record = this.records.get(id);
    return record && record.workspaceId === workspaceId ? copy(record) : null;
  }

  protected write(record: T, events: EventEnvelope[]): T {
    this.records.set(record.id, copy(record));
    this.events.push(...events);
    return copy(record);
  }

  protected find(predicate: (record: T) => boolean): T[] {
    return [...this.records.values()].filter(predicate);
  }
}

export class MemoryDrafts extends MemoryStore<DraftEntity> implements DraftRepository {
  private openSlot(ws: string, tenantId: string, except: string): DraftEntity | undefined {
    return this.find((d) => d.workspaceId === ws && d.tenantId === tenantId && d.id !== except && !isTerminal(d))[0];
  }

  async insert(draft: DraftEntity, events: EventEnvelope[]): Promise<DraftEntity> {
    const holder = draft.tenantId ? this.openSlot(draft.workspaceId, draft.tenantId, draft.id) : undefined;
    if (holder) throw tenantErrors.onboardingInProgress(draft.tenantId!, holder.id);
    return this.write(draft, events);
  }

  async save(next: DraftEntity, expectedRevision: number, events: EventEnvelope[]): Promise<DraftEntity | null> {
    const current = this.records.get(next.id);
    if (!current || current.revision !== expectedRevision) return null;
    const holder = next.tenantId && !isTerminal(next) ? this.openSlot(next.workspaceId, next.tenantId, next.id) : undefined;
    if (holder) throw tenantErrors.onboardingInProgress(next.tenantId!, holder.id);
    return this.write({ ...next, revision: expectedRevision + 1 }, events);
  }

  async findOpenByTenant(workspaceId: string, tenantId: string): Promise<DraftEntity | null> {
    const d = this.openSlot(workspaceId, tenantId, '');
    return d ? copy(d) : null;
  }

  async findOpenForEvidence(workspaceId: string, match: { tenantId?: string | null }): Promise<DraftEntity[]> {
    const d = match.tenantId ? await this.findOpenByTenant(workspaceId, match.tenantId) : null;
    return d ? [d] : [];
  }

  async list(workspaceId: string, filter: DraftFilter): Promise<Page<DraftEntity>> {
    const items = this.find((d) => d.workspaceId === workspaceId && (filter.includeTerminal || !isTerminal(d)));
    return { items: items.map(copy), nextPageToken: '' };
  }
}

export class MemoryTenants extends MemoryStore<TenantEntity> implements TenantRepository {
  async insert(tenant: TenantEntity, events: EventEnvelope[]): Promise<TenantEntity | null> {
    if (await this.findByExternalId(tenant.workspaceId, tenant.externalTenantId)) return null;
    return this.write(tenant, events);
  }

  async findByExternalId(workspaceId: string, externalTenantId: string): Promise<TenantEntity | null> {
    const t = this.find((x) => x.workspaceId === workspaceId && x.externalTenantId === externalTenantId)[0];
    return t ? copy(t) : null;
  }

  async appendVersion(after: TenantEntity, events: EventEnvelope[]): Promise<boolean> {
    if (this.records.get(after.id)?.version !== after.version - 1) return false;
    this.write(after, events);
    return true;
  }

  async list(workspaceId: string): Promise<Page<TenantEntity>> {
    return { items: this.find((t) => t.workspaceId === workspaceId).map(copy), nextPageToken: '' };
  }
}

/** Operations: runs start queued and are completed by the test; a key replays its run. */
export class ScriptedOperations implements OperationsPort {
  readonly runs = new Map<string, RunEvidence>();
  readonly keys = new Map<string, string>();
  unavailable = false;
  private seq = 0;

  async startRun(input: Parameters<OperationsPort['startRun']>[0]) {
    const replay = input.idempotencyKey ? this.keys.get(input.idempotencyKey) : undefined;
    if (replay) return { run: this.runs.get(replay)!, deduplicated: false };
    const active = [...this.runs.values()].find((r) => r.type === input.type && r.subject === input.subject && r.status !== 'completed');
    if (active) return { run: active, deduplicated: true };
    const run: RunEvidence = {
      runId: `run-${++this.seq}`,
      type: input.type,
      subject: input.subject,
      status: 'queued',
      outcome: '',
      reasonCode: '',
      createdAt: new Date(),
      observedAt: new Date(),
    };
    this.runs.set(run.runId, run);
    if (input.idempotencyKey) this.keys.set(input.idempotencyKey, run.runId);
    return { run, deduplicated: false };
  }

  async getRun(_ws: string, runId: string) {
    if (this.unavailable) throw new Error('operations unavailable');
    return this.runs.get(runId) ?? null;
  }

  complete(runId: string, outcome: RunEvidence['outcome'], reasonCode = ''): RunEvidence {
    const run = { ...this.runs.get(runId)!, status: 'completed' as const, outcome, reasonCode, observedAt: new Date() };
    this.runs.set(runId, run);
    return run;
  }
}

export class ScriptedConnections implements ConnectionsPort {
  readonly connections = new Map<string, ConnectionEvidence>();
  private seq = 0;

  async getConnection(_ws: string, connectionId: string, tenantId?: string) {
    const c = this.connections.get(connectionId);
    return c && (!tenantId || c.tenantId === tenantId) ? c : null;
  }

  async createConnection(_ws: string, _actor: unknown, tenantId: string, input: { displayName: string; makeDefault: boolean }) {
    const c: ConnectionEvidence = {
      connectionId: `conn-${++this.seq}`,
      tenantId,
      provider: 'microsoft',
      displayName: input.displayName,
      isDefault: true,
      enabled: true,
      consentStatus: 'unknown',
      verificationStatus: 'unknown',
      lastReasonCode: '',
      verificationStale: false,
      missingPermissionCount: 0,
      permissionsLastRefreshedAt: null,
      permissionsStale: true,
      updatedAt: new Date(),
      version: 1,
      observedAt: new Date(),
    };
    this.connections.set(c.connectionId, c);
    return c;
  }

  set(connectionId: string, change: Partial<ConnectionEvidence>): void {
    const c = this.connections.get(connectionId)!;
    this.connections.set(connectionId, { ...c, ...change, version: c.version + 1, updatedAt: new Date(), observedAt: new Date() });
  }
}

export function memoryDeps(): OnboardingDeps & {
  drafts: MemoryDrafts;
  tenants: MemoryTenants;
  operations: ScriptedOperations;
  connections: ScriptedConnections;
} {
  let id = 0;
  return {
    drafts: new MemoryDrafts(),
    tenants: new MemoryTenants(),
    operations: new ScriptedOperations(),
    connections: new ScriptedConnections(),
    clock: { now: () => new Date() },
    ids: () => `id-${++id}`,
    verificationRunType: 'provider.connection.check',
  };
}
