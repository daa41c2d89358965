import { agreesOn, withinRange } from '@tenantatlas/core';
import type { Run, RunOutcome, RunStatus } from './run';

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
 * with the history.
 */
export const RUNS_EXAMINED_PER_PAGE = 1_000;
