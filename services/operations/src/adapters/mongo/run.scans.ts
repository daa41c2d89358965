import type { Model, QueryFilter } from 'mongoose';
import type { RunListQuery } from '../../app/ports';
import type { Run } from '../../domain/run';
import { READ_FIELDS, type RunDocument, type RunScheduleDocument, type StoredRun } from './run.schema';

/** how old a committed transition must be before a reader writes its projection (see MongoRunRepository.rollForward) */
export const HEAL_AFTER_MS = 5_000;

/** When the sweeper should look at the run next; null once it completed (see reschedule). */
function dueAt(run: Run): Date | null {
  if (run.status === 'completed') return null;
  return (run.status === 'running' ? run.leaseExpiresAt : run.redispatchAt) ?? run.updatedAt;
}

const isDue = (run: Run, now: Date) => {
  const due = dueAt(run);
  return due !== null && due <= now;
};

/**
 * The reads of runs that are not by a key: a workspace's runs by filter (the bulk retry) and
 * the schedule of what came due (the sweeper), with the schedule's upkeep after each transition.
 * A start passes none of this. `current` rolls a stored run forward to its last committed transition.
 */
export class RunScans {
  constructor(
    private readonly runs: Model<RunDocument>,
    private readonly schedule: Model<RunScheduleDocument>,
    private readonly current: (stored: StoredRun) => Promise<Run>,
  ) {}

  async list(query: RunListQuery): Promise<Run[]> {
    const and: QueryFilter<RunDocument>[] = [{ workspaceId: query.workspaceId }];
    if (query.tenantId) and.push({ tenantId: query.tenantId });
    if (query.type) and.push({ type: query.type });
    if (query.subject) and.push({ subject: query.subject });
    if (query.status) and.push({ status: query.status });
    if (query.outcome) and.push({ outcome: query.outcome });
    if (query.createdAfter) and.push({ createdAt: { $gte: query.createdAfter } });
    if (query.createdBefore) and.push({ createdAt: { $lt: query.createdBefore } });
    if (query.completedAfter) and.push({ completedAt: { $gte: query.completedAfter } });
    const runs = await this.many({ $and: and }, query.limit, { createdAt: -1, _id: -1 });
    // a projection that lagged may have moved on while rolling forward
    return runs.filter((run) => (!query.status || run.status === query.status) && (!query.outcome || run.outcome === query.outcome));
  }

  /**
   * Reads the schedule for entries that came due, then each run itself. An entry that lagged its
   * run is corrected here; one whose run never got stored (or was abandoned) is dropped, and so is a completed run's
   * once its stored document shows the completion (see reschedule): until then the roll-forward
   * heals the document and the entry comes due again.
   */
  async findDue(now: Date, limit: number, after?: Date): Promise<{ due: Run[]; next?: Date }> {
    const window = after ? { $gt: after, $lte: now } : { $lte: now };
    const entries = await this.schedule.find({ dueAt: window }).sort({ dueAt: 1 }).limit(limit).lean<RunScheduleDocument[]>();
    const due: Run[] = [];
    await Promise.all(
      entries.map(async (entry) => {
        const stored = await this.runs.findOne({ _id: entry._id }, READ_FIELDS).lean<StoredRun>();
        // a stored completion is the last version (nothing transitions a completed run): no roll-forward to look for
        if (!stored || stored.abandoned || stored.status === 'completed') {
          await this.schedule.deleteOne({ _id: entry._id });
          return;
        }
        const run = await this.current(stored);
        if (run.status === 'completed') await this.schedule.updateOne({ _id: entry._id }, { $set: { dueAt: new Date(now.getTime() + HEAL_AFTER_MS) } });
        else if (isDue(run, now)) due.push(run);
        else await this.schedule.updateOne({ _id: entry._id }, { $set: { dueAt: dueAt(run) } });
      }),
    );
    return entries.length === limit ? { due, next: entries[entries.length - 1]!.dueAt } : { due };
  }

  /**
   * Moves the run's schedule entry to its next due time when that is sooner than before. A later
   * one (a claim's lease expiry after the dispatch time, a renewed lease) is left to the sweeper:
   * an entry due early only makes it look at the run, which it then moves on (findDue), so runs
   * that complete in time never pay for it. A completed run keeps its entry until HEAL_AFTER_MS
   * after the completion: a concurrent update of the run document (the outbox clear) can undo the
   * final projection (an update rewrites the whole document, docs/storage.md), and no later transition would make it good, so the document
   * would go on matching filters (`status: running`) it no longer fits. The sweeper's look at it
   * then (findDue) repairs the document from the transitions and drops the entry.
   *
   * The entry is a hint for the sweeper, not a rule: which writer wins a run is decided by the
   * transitions' unique `_id`s. Two writes of one entry can race (a sweep moving it from what it
   * read while a transition moves it sooner); the entry then comes due later than the run, at a
   * time some earlier state of the run was due (at most a lease or a redispatch interval late), and
   * the sweeper sets it right when it looks. An entry is deleted only once the stored run shows its
   * completion, so no unfinished run loses its entry.
   */
  async reschedule(before: Run, after: Run): Promise<void> {
    const next = dueAt(after) ?? new Date(Date.now() + HEAL_AFTER_MS);
    const entry = dueAt(before);
    if (entry && next.getTime() >= entry.getTime()) return;
    await this.schedule.updateOne({ _id: after.id }, { $set: { dueAt: next } }, { upsert: true });
  }

  /** Filters match the projection, which may lag its last transition by a moment; results are rolled forward. */
  private async many(filter: QueryFilter<RunDocument>, limit: number, sort?: Record<string, 1 | -1>): Promise<Run[]> {
    // Only the bulk retry comes here: a workspace's failed runs newest first; the other filters
    // (tenant, type, status, outcome, completion time) are checked on the way.
    // query-shape: equal workspaceId; sort createdAt:-1,_id:-1; range createdAt
    let query = this.runs.find(filter, READ_FIELDS).limit(limit);
    if (sort) query = query.sort(sort);
    const docs = await query.lean<StoredRun[]>();
    return Promise.all(docs.map((doc) => this.current(doc)));
  }
}
