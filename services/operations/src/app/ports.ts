import type { Actor, TenantDirectory } from '@tenantatlas/core';
import type { Run, RunOutcome, RunStatus } from '../domain/run';
import type { RunChange } from '../domain/transitions';

export type Decide = (run: Run) => RunChange | null;
export interface Transitioned {
  before: Run;
  after: Run;
  change: RunChange;
  /** the run's version after the change: what a writer that goes on changing it decides on next */
  version: number;
}

/** A run as its writer last committed it, and the version that commit made. */
export interface KnownRun {
  run: Run;
  version: number;
}

/** The newest claim of a dedupe key: which start took it (revision `revision`) for which run. */
export interface SlotClaim {
  revision: number;
  runId: string;
  at: Date;
}

/** Where a walk of a run list continues: after the first `taken` runs of its revision `revision`, newest first. */
export interface RunListPosition {
  revision: number;
  taken: number;
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
  limit: number;
}

/**
 * Storage of runs. Every write that changes a run also stores the events it produced (outbox): its
 * lifecycle event (`queued` for a new run, the change's verb after) and, when it dispatches, a run
 * request, published under `actor`.
 */
export interface RunRepository {
  /**
   * Stores a new run (its start claimed the dedupe key for it). 'abandoned' when it may not be
   * stored any more: another start found the claim stalled and gave the run up (see abandon).
   */
  insert(run: Run, actor: Actor): Promise<'created' | 'abandoned'>;
  findById(runId: string): Promise<Run | null>;
  findInWorkspace(workspaceId: string, runId: string): Promise<Run | null>;
  /** The newest claim of a dedupe key, or null when no start ever took it. */
  newestClaim(activeSlot: string): Promise<SlotClaim | null>;
  /** Takes revision `revision` of the key for `runId`; false when another start took it first. */
  claim(workspaceId: string, activeSlot: string, claim: SlotClaim): Promise<boolean>;
  /** The run a claim names: null while it is not stored, 'abandoned' when it was given up. */
  runOfClaim(runId: string): Promise<Run | null | 'abandoned'>;
  /** Gives up the run of a stalled claim so it can never be stored; false when it was stored meanwhile. */
  abandon(runId: string): Promise<boolean>;
  /** The run an idempotency key of the workspace created, if any. */
  findByIdempotencyKey(workspaceId: string, key: string): Promise<Run | null>;
  /**
   * Remembers that the key created `runId`; returns the run the key names afterwards, which is an
   * earlier start's when that one remembered it first.
   */
  rememberIdempotencyKey(workspaceId: string, key: string, runId: string): Promise<string>;
  /**
   * Reads the current run, asks `decide` for a change and commits it with its events as the run's
   * next version; if another writer committed that version first, reads again and re-decides.
   * Null when `decide` declines (the run moved on) or the run does not exist. A writer that knows
   * the run as it last committed it passes it as `known`: the first decision is made on it without
   * a read, and if another writer committed since, that version is taken and the run read again.
   */
  transition(runId: string, decide: Decide, actor: Actor, known?: KnownRun): Promise<Transitioned | null>;
  list(query: RunListQuery): Promise<Run[]>;
  /**
   * Up to `count` runs of the workspace's run list `list` (see domain/run-list.ts), newest started
   * first, after `after` (from the newest when absent), each with the position a page continues
   * from after it; fewer only when the list ends. Reads only by `_id`.
   */
  listed(workspaceId: string, list: string, count: number, after?: RunListPosition): Promise<{ run: Run; position: RunListPosition }[]>;
  /**
   * Running runs whose lease ran out and queued runs due for (re)dispatch, from the first `limit`
   * schedule entries that came due after `after` (oldest first); `next` is where the following
   * page starts when this one was full.
   */
  findDue(now: Date, limit: number, after?: Date): Promise<{ due: Run[]; next?: Date }>;
}

/**
 * The archive of a workspace's runs: the sealed revisions of its run list, read whole (lists,
 * pages) or at a run's place (a read by id). Retention walks the list oldest first.
 */
export interface RunArchive {
  /** every revision of the workspace's run list up to this one is archived (0: none) */
  archivedThrough(workspaceId: string): Promise<number>;
  markArchived(workspaceId: string, revision: number): Promise<void>;
  /**
   * The runs of revision `revision` of the workspace's run list, in its order (null for an id
   * given up), sealed, once every one is final; null while it is not stored or one may change, and
   * when it was written at or after `writtenBefore` (a run is listed before it is stored, so such a
   * revision holds no run that completed before then: its runs are not read).
   */
  finalRevision(workspaceId: string, revision: number, writtenBefore: Date): Promise<(Run | null)[] | null>;
  /**
   * Moves the runs of a sealed revision out of the live runs: a read by id then finds each at its
   * place in the seal. False (nothing lost, try again later) while one of them, or one of its
   * changes, still has events to publish.
   */
  archive(workspaceId: string, revision: number, runs: readonly (Run | null)[]): Promise<boolean>;
}

/** The managed tenants of a workspace, as their owner (onboarding) answers. */
export type { TenantDirectory };

/** Provider connections, as their owner (the connections service) answers. */
export interface ConnectionDirectory {
  /** whether the connection exists in this workspace and belongs to this tenant */
  belongsTo(workspaceId: string, tenantId: string, connectionId: string): Promise<boolean>;
}
