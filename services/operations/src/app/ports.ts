import type { Actor, TenantDirectory } from '@tenantatlas/core';
import type { Run, RunOutcome, RunStatus } from '../domain/run';
import type { RunChange } from '../domain/transitions';

export type Decide = (run: Run) => RunChange | null;
export interface Transitioned {
  before: Run;
  after: Run;
  change: RunChange;
}

export interface RunSlots {
  activeSlot: string;
  idempotencySlot: string;
}

export interface RunListQuery {
  workspaceId: string;
  tenantId?: string;
  type?: string;
  status?: RunStatus;
  outcome?: RunOutcome;
  subject?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  completedAfter?: Date;
  /** position after which to continue (newest first) */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * Storage of runs. Every write that changes a run also stores the events it produced (outbox): its
 * lifecycle event (`queued` for a new run, the change's verb after) and, when it dispatches, a run
 * request, published under `actor`.
 */
export interface RunRepository {
  /** 'duplicate' when the active slot or the idempotency slot is taken (unique indexes). */
  insert(run: Run, slots: RunSlots, actor: Actor): Promise<'created' | 'duplicate'>;
  findById(runId: string): Promise<Run | null>;
  findInWorkspace(workspaceId: string, runId: string): Promise<Run | null>;
  /**
   * The run created with this idempotency slot / holding this active slot. `exhaustive: false`
   * may miss one (a cheap lookup for the common case); `true` is authoritative, for after an
   * insert was refused as a duplicate.
   */
  findByIdempotencySlot(slot: string, exhaustive: boolean): Promise<Run | null>;
  findActive(activeSlot: string, exhaustive: boolean): Promise<Run | null>;
  /**
   * Reads the current run, asks `decide` for a change and commits it with its events as the run's
   * next version; if another writer committed that version first, reads again and re-decides.
   * Null when `decide` declines (the run moved on) or the run does not exist.
   */
  transition(runId: string, decide: Decide, actor: Actor): Promise<Transitioned | null>;
  list(query: RunListQuery): Promise<Run[]>;
  /**
   * Running runs whose lease ran out and queued runs due for (re)dispatch, from the first `limit`
   * schedule entries that came due after `after` (oldest first); `next` is where the following
   * page starts when this one was full.
   */
  findDue(now: Date, limit: number, after?: Date): Promise<{ due: Run[]; next?: Date }>;
}

/** The managed tenants of a workspace, as their owner (onboarding) answers. */
export type { TenantDirectory };

/** Provider connections, as their owner (the connections service) answers. */
export interface ConnectionDirectory {
  /** whether the connection exists in this workspace and belongs to this tenant */
  belongsTo(workspaceId: string, tenantId: string, connectionId: string): Promise<boolean>;
}
