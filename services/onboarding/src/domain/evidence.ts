/**
 * Evidence: what the backend said about runs and connections, stored on the draft. Merges are
 * commutative where it matters (a terminal run state wins, the newest connection snapshot wins,
 * change times take the maximum), so replays and out-of-order events converge on the same result.
 */

export type RunStatus = 'queued' | 'running' | 'completed';
export type RunOutcome = '' | 'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled';

export interface RunEvidence {
  runId: string;
  type: string;
  subject: string;
  status: RunStatus;
  outcome: RunOutcome;
  reasonCode: string;
  /** when the run was created (verification freshness compares against it) */
  createdAt: Date | null;
  /** time of the fact this evidence comes from (event time or read time) */
  observedAt: Date;
}

export interface ConnectionEvidence {
  connectionId: string;
  tenantId: string;
  provider: string;
  displayName: string;
  isDefault: boolean;
  enabled: boolean;
  /** unknown | required | granted | revoked */
  consentStatus: string;
  /** unknown | pending | healthy | degraded | blocked | error */
  verificationStatus: string;
  lastReasonCode: string;
  /** the connections service says an identifying field or credential changed since its last check */
  verificationStale: boolean;
  missingPermissionCount: number;
  permissionsLastRefreshedAt: Date | null;
  permissionsStale: boolean;
  /** when the connection last changed (any field) */
  updatedAt: Date | null;
  /** connection document version (bumped by every change); 0 when unknown */
  version: number;
  observedAt: Date;
}

const STATUS_RANK: Record<RunStatus, number> = { queued: 0, running: 1, completed: 2 };

export function isRunStatus(value: unknown): value is RunStatus {
  return value === 'queued' || value === 'running' || value === 'completed';
}

export function isRunActive(run: Pick<RunEvidence, 'status'> | null | undefined): boolean {
  return !!run && run.status !== 'completed';
}

/** A run reaches one terminal state: once completed, later or replayed facts never change it. */
export function mergeRun(existing: RunEvidence | undefined, incoming: RunEvidence): RunEvidence {
  if (!existing) return incoming;
  const merged = { ...existing, createdAt: existing.createdAt ?? incoming.createdAt };
  if (existing.status === 'completed') return merged;
  const a = STATUS_RANK[existing.status];
  const b = STATUS_RANK[incoming.status];
  if (b > a || (b === a && incoming.observedAt > existing.observedAt)) {
    return { ...incoming, createdAt: incoming.createdAt ?? existing.createdAt };
  }
  return merged;
}

/** Adds a run fact to a list, keeping at most `limit` runs (referenced runs are never dropped). */
export function mergeRuns(runs: RunEvidence[], incoming: RunEvidence, keep: Set<string>, limit = 30): RunEvidence[] {
  const existing = runs.find((r) => r.runId === incoming.runId);
  const merged = mergeRun(existing, incoming);
  const next = existing ? runs.map((r) => (r.runId === incoming.runId ? merged : r)) : [...runs, merged];
  if (next.length <= limit) return next;
  const byAge = [...next].sort((x, y) => x.observedAt.getTime() - y.observedAt.getTime());
  const drop = new Set<string>();
  for (const run of byAge) {
    if (next.length - drop.size <= limit) break;
    if (!keep.has(run.runId)) drop.add(run.runId);
  }
  return next.filter((r) => !drop.has(r.runId));
}

/** The newest snapshot wins: by connection version when both know it, else by observation time. */
export function mergeConnection(existing: ConnectionEvidence | null, incoming: ConnectionEvidence): ConnectionEvidence {
  if (!existing || existing.connectionId !== incoming.connectionId) return incoming;
  if (existing.version > 0 && incoming.version > 0) {
    if (incoming.version > existing.version) return incoming;
    // same version, same content: keep it, so re-reading the connection writes nothing
    return existing;
  }
  return incoming.observedAt >= existing.observedAt ? incoming : existing;
}

/** Latest of two optional times (for "connection changed at": order of events does not matter). */
export function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a >= b ? a : b;
}

/** Connection events whose verb means the connection is no longer what a verification checked. */
const INVALIDATING_VERBS = new Set(['updated', 'credential_rotated', 'rotated', 'disabled', 'consent_revoked']);

/**
 * Whether a connections event invalidates an earlier verification. The connections service says
 * so explicitly (`verificationStale`) when it knows; otherwise the verb decides.
 */
export function connectionEventInvalidates(type: string, data: Record<string, unknown>): boolean {
  const verb = type.split('.').pop() ?? '';
  const after = (typeof data.after === 'object' && data.after !== null ? data.after : {}) as Record<string, unknown>;
  const explicit = data.verificationStale ?? after.verificationStale;
  if (typeof explicit === 'boolean') return explicit || verb === 'disabled' || verb === 'consent_revoked';
  if (verb === 'consent_recorded' || verb === 'consent_changed') {
    // A check that finds consent missing reports what the verification found; it does not change
    // the connection the verification checked (its run's outcome already says blocked).
    if (data.source === 'check') return false;
    const consent = data.consentStatus ?? after.consentStatus;
    return consent === 'revoked' || consent === 'required';
  }
  return INVALIDATING_VERBS.has(verb);
}
