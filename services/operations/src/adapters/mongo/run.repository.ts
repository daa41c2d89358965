import type { Model, QueryFilter } from 'mongoose';
import { GroupCommit, initialOutbox, isDuplicateKeyError, trackAfter, type OutboxEntry, type OutboxTracker } from '@tenantatlas/shared';
import type { Decide, EventsFor, RunListQuery, RunRepository, RunSlots, Transitioned } from '../../app/ports';
import type { Run } from '../../domain/run';
import { applyChange, type RunChange } from '../../domain/transitions';
import type { RunDocument, RunLookupDocument, RunScheduleDocument, RunTransitionDocument } from './run.schema';

const READ_FIELDS = { outbox: 0, outboxPending: 0, outboxVersion: 0, idempotencySlot: 0 } as const;
type StoredRun = Omit<RunDocument, keyof typeof READ_FIELDS>;

/** A run read from storage; only the document's own bookkeeping (slots, version) is dropped. */
function toRun(doc: StoredRun): Run {
  const { _id, activeSlot: _slot, version: _version, ...rest } = doc;
  return { id: _id, ...rest, attempts: doc.attempts ?? [], summaryCounts: doc.summaryCounts ?? {}, context: doc.context ?? {} };
}

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
 * The `$set` that turns the stored run into `after`: every field of the run, not only the changed
 * ones, so applying it twice changes nothing and a projection lost to a concurrent write of the
 * document (FerretDB writes a whole document per update: the outbox relay clearing the run's
 * events at the moment a worker projects its claim can undo the claim's fields) is made good by the
 * next one.
 */
function projection(change: RunChange, after: Run, version: number): Record<string, unknown> {
  const { id: _id, ...fields } = after;
  return { ...change.set, ...fields, version };
}

/**
 * Runs in MongoDB. Creation is one insert (unique active and idempotency slots decide dedupe);
 * every later change is committed as a run transition (unique per run version, with its events)
 * and then projected onto the run document. See RunTransitionDocument for why.
 */
export class MongoRunRepository implements RunRepository {
  /**
   * Starts that arrive together are stored together: the schedule entries of concurrent starts go
   * in one write, then their runs in one, then their hints in one (see GroupCommit). Each run is still its own insert, which
   * the unique slots accept or refuse; the batching decides nothing.
   */
  private readonly scheduling: GroupCommit<RunScheduleDocument>;
  private readonly creating: GroupCommit<RunDocument>;
  private readonly hinting: GroupCommit<RunLookupDocument>;

  constructor(
    private readonly runs: Model<RunDocument>,
    private readonly transitions: Model<RunTransitionDocument>,
    private readonly lookups: Model<RunLookupDocument>,
    private readonly schedule: Model<RunScheduleDocument>,
    /** told about every committed write that carries events, so they can be published at once */
    private readonly outbox: OutboxTracker = { track: () => undefined },
  ) {
    this.scheduling = new GroupCommit(schedule, STARTS_WRITING);
    this.creating = new GroupCommit(runs, STARTS_WRITING);
    this.hinting = new GroupCommit(lookups, STARTS_WRITING);
  }

  async insert(run: Run, slots: RunSlots, outbox: OutboxEntry[]): Promise<'created' | 'duplicate'> {
    const { id, ...fields } = run;
    // scheduled first: a run is never stored without its entry (a crash in between leaves an entry
    // without a run, which the sweeper drops)
    if ((await this.scheduling.insert({ _id: id, dueAt: dueAt(run) ?? run.createdAt })) === 'duplicate') throw new Error(`run id ${id} is already scheduled`);
    try {
      const create = () => this.creating.insert({ _id: id, ...fields, ...slots, version: 0, ...initialOutbox(outbox) });
      const created = await (outbox.length > 0 ? trackAfter(this.outbox, this.runs, id, create) : create());
      if (created === 'duplicate') {
        await this.unschedule(id);
        return 'duplicate';
      }
      return await this.created(run, slots);
    } catch (err) {
      // a write that failed as a whole (not this run alone) may still have stored the run: its
      // entry must stay, and the start stands
      if (await this.runs.exists({ _id: id }).catch(() => null)) return this.created(run, slots);
      await this.unschedule(id);
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
  }

  private async created(run: Run, slots: RunSlots): Promise<'created'> {
    await Promise.all([
      this.remember(`slot:${slots.activeSlot}`, run.id),
      run.idempotencyKey === null ? undefined : this.remember(`key:${slots.idempotencySlot}`, run.id),
    ]);
    return 'created';
  }

  /** the entry of a run that was not stored (a refused start); one left behind is dropped by the sweeper */
  private async unschedule(runId: string): Promise<void> {
    await this.schedule.deleteOne({ _id: runId }).catch(() => undefined);
  }

  findById(runId: string): Promise<Run | null> {
    return this.one({ _id: runId });
  }

  /** Read by `_id` alone (the one query FerretDB answers from an index), the workspace checked here. */
  async findInWorkspace(workspaceId: string, runId: string): Promise<Run | null> {
    const run = await this.one({ _id: runId });
    return run?.workspaceId === workspaceId ? run : null;
  }

  async findByIdempotencySlot(slot: string, exhaustive: boolean): Promise<Run | null> {
    const hinted = await this.viaLookup(`key:${slot}`);
    if (hinted || !exhaustive) return hinted;
    return this.one({ idempotencySlot: slot });
  }

  /** The run holding the slot, unless rolling it forward shows it completed (which frees the slot). */
  async findActive(activeSlot: string, exhaustive: boolean): Promise<Run | null> {
    const hinted = await this.viaLookup(`slot:${activeSlot}`);
    if (hinted && hinted.status !== 'completed') return hinted;
    if (!exhaustive) return null;
    const run = await this.one({ activeSlot });
    if (run && run.status !== 'completed') {
      await this.remember(`slot:${activeSlot}`, run.id);
      return run;
    }
    return null;
  }

  /**
   * Lookups by `_id` are the only ones FerretDB answers without scanning the collection, so each
   * created run leaves a hint (slot → run, key → run). Hints only speed up the common case: the
   * unique indexes on the run decide, and a missing or outdated hint falls back to a query.
   */
  private async viaLookup(key: string): Promise<Run | null> {
    const hint = await this.lookups.findById(key).lean<RunLookupDocument>();
    return hint ? this.one({ _id: hint.runId }) : null;
  }

  /**
   * Most hints are new (a first run of its subject, a new idempotency key), so a hint is inserted,
   * together with the hints of concurrent starts; a slot taken by an earlier, completed run is
   * pointed at the new one.
   */
  private async remember(key: string, runId: string): Promise<void> {
    try {
      if ((await this.hinting.insert({ _id: key, runId })) === 'duplicate') await this.lookups.updateOne({ _id: key }, { $set: { runId } });
    } catch {
      // a hint only saves reads; without it a start falls back to the query
    }
  }

  async transition(runId: string, decide: Decide, events: EventsFor): Promise<Transitioned | null> {
    for (let race = 0; race < 20; race++) {
      const doc = await this.current({ _id: runId });
      if (!doc) return null;
      const before = toRun(doc);
      const change = decide(before);
      if (!change) return null;
      const after = applyChange(before, change);
      const set = projection(change, after, doc.version + 1);
      const outbox = events(change, before, after);
      const transitionId = `${runId}:${doc.version}`;
      try {
        const commit = () =>
          this.transitions.create({
            _id: transitionId,
            runId,
            version: doc.version,
            set: Object.entries(set).map(([path, value]) => ({ path, value })),
            committedAt: new Date(),
            ...initialOutbox(outbox),
          });
        await (outbox.length > 0 ? trackAfter(this.outbox, this.transitions, transitionId, commit) : commit());
      } catch (err) {
        if (isDuplicateKeyError(err)) continue; // another writer took this version: decide again on its result
        throw err;
      }
      await this.project(runId, set);
      await this.reschedule(before, after);
      return { before, after, change };
    }
    throw new Error(`run ${runId} kept changing; transition abandoned`);
  }

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
    if (query.after) {
      and.push({ $or: [{ createdAt: { $lt: query.after.createdAt } }, { createdAt: query.after.createdAt, _id: { $lt: query.after.id } }] });
    }
    const runs = await this.many({ $and: and }, query.limit, { createdAt: -1, _id: -1 });
    // a projection that lagged may have moved on while rolling forward
    return runs.filter((run) => (!query.status || run.status === query.status) && (!query.outcome || run.outcome === query.outcome));
  }

  /**
   * Reads the schedule for entries that came due, then each run itself. An entry that lagged its
   * run is corrected here; one whose run never got stored is dropped, and so is a completed run's
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
        if (!stored || stored.status === 'completed') {
          await this.schedule.deleteOne({ _id: entry._id });
          return;
        }
        const run = toRun(await this.rollForward(stored));
        if (run.status === 'completed') await this.schedule.updateOne({ _id: entry._id }, { $set: { dueAt: new Date(now.getTime() + HEAL_AFTER_MS) } });
        else if (isDue(run, now)) due.push(run);
        else await this.schedule.updateOne({ _id: entry._id }, { $set: { dueAt: dueAt(run) } });
      }),
    );
    return entries.length === limit ? { due, next: entries[entries.length - 1]!.dueAt } : { due };
  }

  /**
   * Moves the run's schedule entry to its next due time. A completed run keeps its entry until
   * HEAL_AFTER_MS after the completion: on FerretDB a concurrent update of the run document (the
   * outbox clear) can undo the final projection, and no later transition would make it good, so
   * the document would go on matching filters (`status: running`) it no longer fits. The sweeper's
   * look at it then (findDue) repairs the document from the transitions and drops the entry.
   */
  private async reschedule(before: Run, after: Run): Promise<void> {
    const next = dueAt(after) ?? new Date(Date.now() + HEAL_AFTER_MS);
    if (next.getTime() !== dueAt(before)?.getTime()) await this.schedule.updateOne({ _id: after.id }, { $set: { dueAt: next } }, { upsert: true });
  }

  /**
   * Writes a transition onto the run document, by `_id` alone: a filter on the version too would
   * make FerretDB scan every run. Only the transition's writer projects it at once (readers wait,
   * see rollForward), so projections land in commit order; one that still lands late (its writer
   * stalled while another committed and projected the next version) sets an older version number
   * with it, and reads roll the document forward from there again: the transitions stay the truth.
   */
  private async project(runId: string, set: Record<string, unknown>): Promise<void> {
    await this.runs.updateOne({ _id: runId }, { $set: set });
  }

  private async one(filter: QueryFilter<RunDocument>): Promise<Run | null> {
    const doc = await this.current(filter);
    return doc ? toRun(doc) : null;
  }

  /** Filters match the projection, which may lag its last transition by a moment; results are rolled forward. */
  private async many(filter: QueryFilter<RunDocument>, limit: number, sort?: Record<string, 1 | -1>): Promise<Run[]> {
    let query = this.runs.find(filter, READ_FIELDS).limit(limit);
    if (sort) query = query.sort(sort);
    const docs = await query.lean<StoredRun[]>();
    const current = await Promise.all(docs.map((doc) => this.rollForward(doc)));
    return current.map(toRun);
  }

  private async current(filter: QueryFilter<RunDocument>): Promise<StoredRun | null> {
    const doc = await this.runs.findOne(filter, READ_FIELDS).lean<StoredRun>();
    return doc ? this.rollForward(doc) : null;
  }

  /**
   * Applies committed transitions the document does not reflect yet. Projecting is the job of the
   * transition's writer, which does it right after committing; a reader writes the projection only
   * for a transition older than HEAL_AFTER_MS (its writer evidently stopped in between). A reader
   * projecting a fresh transition could land after the writer's next projection and set the run
   * back a version (the filter cannot carry the version on FerretDB, see project()).
   */
  private async rollForward(doc: StoredRun): Promise<StoredRun> {
    let current = doc;
    for (;;) {
      const next = await this.transitions
        .findById(`${current._id}:${current.version}`, { set: 1, committedAt: 1 })
        .lean<Pick<RunTransitionDocument, 'set' | 'committedAt'>>();
      if (!next) return current;
      const set = Object.fromEntries(next.set.map(({ path, value }) => [path, value]));
      if (Date.now() - new Date(next.committedAt).getTime() > HEAL_AFTER_MS) await this.project(current._id, set);
      current = { ...current, ...set } as StoredRun;
    }
  }
}

/**
 * Writes of starts in flight at once per collection. With one, starts ran slower in the bench
 * (79 vs 143 starts/s at 64 concurrent): the process's other writes (claims, transitions, clears)
 * still go one command each, and the starts' single write waited its turn among them; with 4 no
 * slower than before, and starts beyond those still share writes.
 */
const STARTS_WRITING = 4;

/** how old a committed transition must be before a reader writes its projection (see rollForward) */
const HEAL_AFTER_MS = 5_000;
