import { agreesOn, withinRange } from '@tenantatlas/core';
import { isTerminal, type Run, type RunOutcome, type RunStatus } from './run';
import { CLAIM_VACANT_AFTER_MS } from './run-type';

/** What a list of a workspace's runs is narrowed to; every field optional. */
export interface RunFilter {
  tenantId?: string;
  type?: string;
  subject?: string;
  reasonCode?: string;
  status?: RunStatus;
  outcome?: RunOutcome;
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * The lists a run is kept in, newest started first: its workspace's and its tenant's there (the
 * task board's two ways in). A list of runs reads the narrowest of them and checks the rest of
 * its filter on each run.
 */
export function runListsOf(run: Pick<Run, 'workspaceId' | 'tenantId'>): string[] {
  return [runList(run.workspaceId), runList(run.workspaceId, run.tenantId)];
}

/** The list that holds every run a filter can match. */
export function runList(workspaceId: string, tenantId?: string): string {
  return tenantId ? `${workspaceId}|${tenantId}` : workspaceId;
}

export function matchesFilter(run: Run, filter: RunFilter): boolean {
  return agreesOn(filter, run, ['tenantId', 'type', 'subject', 'reasonCode', 'status', 'outcome']) && withinRange(run.createdAt, filter.createdAfter, filter.createdBefore);
}

/**
 * How many runs one page may look at before it answers: a filter that matches few of a list's
 * runs gets a short (even empty) page and a token to continue, never a request whose cost grows
 * with the history. The bound is what a list may cost an operator waiting on it (docs/benchmarks.md:
 * a page of a filter nothing matches); a tenant's runs of one outcome in seven still fill a page
 * of 50 within it.
 */
export const RUNS_EXAMINED_PER_PAGE = 500;

/**
 * A revision of a run list names the runs of one batch of starts, and a completed run never
 * changes again: once every run a revision names has completed (or was never stored, its id given
 * up for good), the revision's runs are final and are kept together, sealed, so a page reads them
 * in one read instead of one read a run. What a revision still waits on keeps it open.
 */
export type ListedRun = Run | 'given up' | 'not stored';

/**
 * The runs of a revision to seal, in its order (`null` for an id given up, so a position in the
 * revision means the same sealed or open); null while one of them may still change.
 */
export function sealableRuns(listed: readonly ListedRun[]): (Run | null)[] | null {
  const runs: (Run | null)[] = [];
  for (const run of listed) {
    // not stored yet: its start may still be storing it
    if (run === 'not stored' || (run !== 'given up' && !isTerminal(run))) return null;
    runs.push(run === 'given up' ? null : run);
  }
  return runs;
}

/**
 * A start lists its run and stores it right after; an id still without a run this long after its
 * revision was written belongs to a start that stalled or failed in between, and is given up (its
 * stand-in decides against a start still storing it, which then starts again under a new id).
 */
export function listedIdStalled(revisionWrittenAt: Date, now: Date): boolean {
  return now.getTime() - revisionWrittenAt.getTime() >= CLAIM_VACANT_AFTER_MS;
}

/**
 * Retention: the runs of a final revision leave the live runs for the archive (the revision's seal)
 * once every one completed before the workspace's window began.
 */
export function archivable(runs: readonly (Run | null)[], windowStart: Date): boolean {
  return runs.every((run) => run === null || (run.completedAt !== null && run.completedAt.getTime() < windowStart.getTime()));
}

/** The text a sealed revision keeps its runs in: one JSON line a run, in the revision's order. */
export function sealRuns(runs: readonly (Run | null)[]): string {
  return runs.map((run) => JSON.stringify(run)).join('\n');
}

const RUN_TIMES = ['createdAt', 'updatedAt', 'startedAt', 'completedAt', 'nextAttemptAt', 'redispatchAt', 'leaseExpiresAt'] as const;
const ATTEMPT_TIMES = ['startedAt', 'endedAt'] as const;

const timeOf = (value: unknown): Date | null => (typeof value === 'string' ? new Date(value) : null);

/** The runs of a sealed revision, in its order, their times as dates again. */
export function openSealedRuns(text: string): ListedRun[] {
  if (text === '') return [];
  return text.split('\n').map((line) => {
    const run = JSON.parse(line) as (Run & Record<string, unknown>) | null;
    if (run === null) return 'given up';
    for (const field of RUN_TIMES) (run as Record<string, unknown>)[field] = timeOf(run[field]);
    for (const attempt of run.attempts) for (const field of ATTEMPT_TIMES) (attempt as unknown as Record<string, unknown>)[field] = timeOf(attempt[field]);
    return run;
  });
}
