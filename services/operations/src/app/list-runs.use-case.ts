import { decodePageToken as decodePosition, encodePageToken as encodePosition } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import { RUN_OUTCOMES, RUN_STATUSES, type Run, type RunOutcome, type RunStatus } from '../domain/run';
import { matchesFilter, runList, RUNS_EXAMINED_PER_PAGE, type RunFilter } from '../domain/run-list';
import type { RunListPosition, RunRepository } from './ports';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

type Listed = { run: Run; position: RunListPosition };

export interface ListRunsCommand {
  workspaceId: string;
  tenantId?: string;
  type?: string;
  status?: string;
  outcome?: string;
  subject?: string;
  reasonCode?: string;
  createdAfter?: string;
  createdBefore?: string;
  pageSize?: number;
  pageToken?: string;
}

export function requireWorkspace(workspaceId: string): void {
  if (!workspaceId) throw runError('RUN.WORKSPACE_REQUIRED', 'workspace_id is required', { field: 'workspace_id' });
}

export function parseTime(value: string | undefined, field: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw runError('RUN.INVALID_TIME', `${field} must be an RFC 3339 timestamp`, { field });
  }
  return date;
}

function oneOf<T extends string>(values: readonly T[], value: string | undefined, field: string): T | undefined {
  if (!value) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw runError('RUN.INVALID_FILTER', `${field} must be one of ${values.join(', ')}`, { field });
  }
  return value as T;
}

function decodePageToken<T>(position: T | undefined): T {
  if (!position) throw runError('RUN.INVALID_PAGE_TOKEN', 'page_token is not one this service issued', { field: 'page.page_token' });
  return position;
}

/** A page continues at a place in the run list it reads (see RunRepository.listed). */
const runListToken = {
  encode: ({ revision, taken }: RunListPosition): string => encodePosition({ r: revision, k: taken }),
  decode: (token: string): RunListPosition | undefined =>
    decodePosition(token, ({ r, k }) => (Number.isSafeInteger(r) && Number.isSafeInteger(k) && (r as number) > 0 && (k as number) > 0 ? { revision: r as number, taken: k as number } : undefined)),
};

/**
 * How many runs a filtered page reads next to find `needed` more matches: twice the page at first
 * (at least 100), then as many as the share of matches so far says it takes, and a quarter more,
 * so that a page needs about two reads of its list, not one read for every hundred runs. A first
 * read that matched nothing says the filter is rare: the rest of what the page may look at is read
 * at once.
 */
function filteredRead(needed: number, matched: number, examined: number): number {
  if (examined === 0) return Math.max(2 * needed, 100);
  if (matched === 0) return RUNS_EXAMINED_PER_PAGE;
  return Math.max(100, Math.ceil((1.25 * needed * examined) / matched));
}

/**
 * A page of the workspace's runs, newest started first, filtered as asked. It is read from the run
 * list that holds every match (the tenant's when the filter names one, else the workspace's), by
 * `_id`, and the rest of the filter is checked on each run: the cost is the page and at most
 * RUNS_EXAMINED_PER_PAGE runs, never the workspace's history. A page that looked at that many runs
 * answers with what matched and a token to continue.
 */
export class ListRunsUseCase {
  constructor(private readonly deps: { runs: RunRepository }) {}

  async execute(command: ListRunsCommand): Promise<{ runs: Run[]; nextPageToken: string }> {
    requireWorkspace(command.workspaceId);
    const pageSize = command.pageSize ?? 0;
    if (pageSize < 0) throw runError('RUN.INVALID_PAGE_SIZE', 'page_size must not be negative', { field: 'page.page_size' });
    const limit = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const filter: RunFilter = {
      tenantId: command.tenantId || undefined,
      type: command.type || undefined,
      subject: command.subject || undefined,
      reasonCode: command.reasonCode || undefined,
      status: oneOf<RunStatus>(RUN_STATUSES, command.status, 'status'),
      outcome: oneOf<RunOutcome>(RUN_OUTCOMES, command.outcome, 'outcome'),
      createdAfter: parseTime(command.createdAfter, 'created_after'),
      createdBefore: parseTime(command.createdBefore, 'created_before'),
    };
    // a range that holds no instant holds no run
    if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) return { runs: [], nextPageToken: '' };
    const list = runList(command.workspaceId, filter.tenantId);
    // beyond the list's own runs, does the filter leave some out?
    const narrowed = Object.entries(filter).some(([field, value]) => field !== 'tenantId' && value !== undefined);
    const page: Listed[] = [];
    let after = command.pageToken ? decodePageToken(runListToken.decode(command.pageToken)) : undefined;
    for (let examined = 0; ; ) {
      const want = narrowed ? Math.min(filteredRead(limit + 1 - page.length, page.length, examined), RUNS_EXAMINED_PER_PAGE - examined) : limit + 1 - page.length;
      const listed = await this.deps.runs.listed(command.workspaceId, list, want, after);
      examined += listed.length;
      for (const entry of listed) {
        if (matchesFilter(entry.run, filter)) page.push(entry);
        if (page.length > limit) return this.answer(page.slice(0, limit), page[limit - 1]!.position);
      }
      // the list ended: this is the last page
      if (listed.length < want) return this.answer(page, undefined);
      after = listed.at(-1)!.position;
      if (examined >= RUNS_EXAMINED_PER_PAGE) return this.answer(page, after);
    }
  }

  private answer(page: Listed[], next: RunListPosition | undefined): { runs: Run[]; nextPageToken: string } {
    return { runs: page.map(({ run }) => run), nextPageToken: next ? runListToken.encode(next) : '' };
  }
}
