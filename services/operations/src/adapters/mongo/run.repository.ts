import type { Model, QueryFilter } from 'mongoose';
import { type Actor } from '@tenantatlas/core';
import { createEvent, eventSource } from '@tenantatlas/kafka';
import {
  GroupCommit,
  initialOutbox,
  isDuplicateKeyError,
  outboxEntries,
  trackAfter,
  type OutboxEntry,
  type OutboxTracker,
} from '@tenantatlas/store';
import type { Decide, RunListQuery, RunRepository, RunSlots, Transitioned } from '../../app/ports';
import { RUN_REQUESTED, type Run } from '../../domain/run';
import { applyChange, type LifecycleVerb, type RunChange } from '../../domain/transitions';
import { READ_FIELDS, type RunDocument, type RunLookupDocument, type RunScheduleDocument, type RunTransitionDocument, type StoredRun } from './run.schema';
import { HEAL_AFTER_MS, RunScans } from './run.scans';

/** A run read from storage; only the document's own bookkeeping (slots, version) is dropped. */
function toRun(doc: StoredRun): Run {
  const { _id, activeSlot: _slot, version: _version, ...rest } = doc;
  return { id: _id, ...rest, attempts: doc.attempts ?? [], summaryCounts: doc.summaryCounts ?? {}, context: doc.context ?? {} };
}

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

export interface RunTopics {
  operationsEvents: string;
  runRequests: string;
}

const SOURCE = eventSource('operations');
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * What a change of a run publishes, stored with the write that makes it (outbox): its lifecycle
 * event (`verb`) and, when it dispatches, a run request (Kafka only dispatches; the run document
 * decides whether it is due).
 */
function eventsOf(topics: RunTopics, change: Pick<RunChange, 'verb' | 'dispatch'>, after: Run, actor: Actor, before?: Run): OutboxEntry[] {
  const subject = `run/${after.id}`;
  const scope = { source: SOURCE, subject, workspaceId: after.workspaceId, tenantId: after.tenantId, actor };
  const lifecycle = (verb: LifecycleVerb) =>
    createEvent({
      ...scope,
      type: `tenantatlas.operations.run.${verb}` as const,
      data: {
        runId: after.id,
        runType: after.type,
        runSubject: after.subject || null,
        status: after.status,
        outcome: after.outcome,
        reasonCode: after.reasonCode,
        message: after.message,
        attempt: after.attemptCount,
        maxAttempts: after.maxAttempts,
        nextAttemptAt: after.status === 'queued' ? iso(after.nextAttemptAt) : null,
        retryAfterMs: verb === 'retry_scheduled' ? (after.attempts[after.attempts.length - 1]?.retryAfterMs ?? 0) : 0,
        summaryCounts: after.summaryCounts,
        context: after.context,
        ...(before ? { before: { status: before.status, outcome: before.outcome } } : {}),
        after: { status: after.status, outcome: after.outcome },
      },
    });
  const request = () => createEvent({ ...scope, type: RUN_REQUESTED, data: { runId: after.id, attempt: after.attemptCount + 1 } });
  return [
    ...(change.verb ? outboxEntries(topics.operationsEvents, [lifecycle(change.verb)]) : []),
    ...(change.dispatch ? outboxEntries(topics.runRequests, [request()]) : []),
  ];
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
  private readonly scans: RunScans;

  constructor(
    private readonly runs: Model<RunDocument>,
    private readonly transitions: Model<RunTransitionDocument>,
    private readonly lookups: Model<RunLookupDocument>,
    private readonly schedule: Model<RunScheduleDocument>,
    private readonly topics: RunTopics,
    /** told about every committed write that carries events, so they can be published at once */
    private readonly outbox: OutboxTracker = { track: () => undefined },
  ) {
    this.scheduling = new GroupCommit(schedule, STARTS_WRITING);
    this.creating = new GroupCommit(runs, STARTS_WRITING);
    this.hinting = new GroupCommit(lookups, STARTS_WRITING);
    this.scans = new RunScans(runs, schedule, async (doc) => toRun(await this.rollForward(doc)));
  }

  /** A new run is queued and dispatched: its `queued` event and its run request go in its insert. */
  async insert(run: Run, slots: RunSlots, actor: Actor): Promise<'created' | 'duplicate'> {
    const { id, ...fields } = run;
    const outbox = eventsOf(this.topics, { verb: 'queued', dispatch: true }, run, actor);
    // scheduled first, due at its redispatch time: a run is never stored without its entry (a crash
    // in between leaves an entry without a run, which the sweeper drops)
    if ((await this.scheduling.insert({ _id: id, dueAt: run.redispatchAt ?? run.createdAt })) === 'duplicate') throw new Error(`run id ${id} is already scheduled`);
    try {
      const created = await trackAfter(this.outbox, this.runs, id, () => this.creating.insert({ _id: id, ...fields, ...slots, version: 0, ...initialOutbox(outbox) }));
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

  list(query: RunListQuery): Promise<Run[]> {
    return this.scans.list(query);
  }

  findDue(now: Date, limit: number, after?: Date): Promise<{ due: Run[]; next?: Date }> {
    return this.scans.findDue(now, limit, after);
  }

  async transition(runId: string, decide: Decide, actor: Actor): Promise<Transitioned | null> {
    for (let race = 0; race < 20; race++) {
      const doc = await this.current({ _id: runId });
      if (!doc) return null;
      const before = toRun(doc);
      const change = decide(before);
      if (!change) return null;
      const after = applyChange(before, change);
      const set = projection(change, after, doc.version + 1);
      const outbox = eventsOf(this.topics, change, after, actor, before);
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
      await this.scans.reschedule(before, after);
      return { before, after, change };
    }
    throw new Error(`run ${runId} kept changing; transition abandoned`);
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
