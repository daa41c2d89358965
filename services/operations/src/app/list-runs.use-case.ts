import { decodePageToken as decodePosition, encodePageToken as encodePosition, listPositionToken } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import { RUN_OUTCOMES, RUN_STATUSES, type Run, type RunOutcome, type RunStatus } from '../domain/run';
import type { RunIndexPosition, RunRepository } from './ports';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface ListRunsCommand {
  workspaceId: string;
  tenantId?: string;
  type?: string;
  status?: string;
  outcome?: string;
  subject?: string;
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

/** A page of the whole workspace continues at a place in its run index (see RunRepository.newest). */
const indexPositionToken = {
  encode: ({ revision, taken }: RunIndexPosition): string => encodePosition({ r: revision, k: taken }),
  decode: (token: string): RunIndexPosition | undefined =>
    decodePosition(token, ({ r, k }) => (Number.isSafeInteger(r) && Number.isSafeInteger(k) && (r as number) > 0 && (k as number) > 0 ? { revision: r as number, taken: k as number } : undefined)),
};

/**
 * A page of the workspace's runs, newest first, filtered as asked. Unfiltered (the task board's
 * first view) it is read from the workspace's run index, by `_id`, at a cost that does not grow with
 * the workspace's history; a filter is the store's query.
 */
export class ListRunsUseCase {
  constructor(private readonly deps: { runs: RunRepository }) {}

  async execute(command: ListRunsCommand): Promise<{ runs: Run[]; nextPageToken: string }> {
    requireWorkspace(command.workspaceId);
    const pageSize = command.pageSize ?? 0;
    if (pageSize < 0) throw runError('RUN.INVALID_PAGE_SIZE', 'page_size must not be negative', { field: 'page.page_size' });
    const limit = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const filter = {
      tenantId: command.tenantId || undefined,
      type: command.type || undefined,
      subject: command.subject || undefined,
      status: oneOf<RunStatus>(RUN_STATUSES, command.status, 'status'),
      outcome: oneOf<RunOutcome>(RUN_OUTCOMES, command.outcome, 'outcome'),
      createdAfter: parseTime(command.createdAfter, 'created_after'),
      createdBefore: parseTime(command.createdBefore, 'created_before'),
    };
    const token = command.pageToken || undefined;
    if (Object.values(filter).every((value) => value === undefined)) {
      const after = token === undefined ? undefined : decodePageToken(indexPositionToken.decode(token));
      const listed = await this.deps.runs.newest(command.workspaceId, limit + 1, after);
      const page = listed.slice(0, limit);
      const last = page.at(-1);
      return { runs: page.map(({ run }) => run), nextPageToken: listed.length > limit && last ? indexPositionToken.encode(last.position) : '' };
    }
    const runs = await this.deps.runs.list({
      workspaceId: command.workspaceId,
      ...filter,
      after: token === undefined ? undefined : decodePageToken(listPositionToken.decode(token)),
      limit: limit + 1,
    });
    const page = runs.slice(0, limit);
    const last = page.at(-1);
    return { runs: page, nextPageToken: runs.length > limit && last ? listPositionToken.encode(last) : '' };
  }
}
