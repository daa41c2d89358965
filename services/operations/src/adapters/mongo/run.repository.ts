import type { Model, mongo } from 'mongoose';
import { type Actor } from '@tenantatlas/core';
import { createEvent, eventSource } from '@tenantatlas/kafka';
import {
  GroupCommit,
  initialOutbox,
  isDuplicateKeyError,
  outboxEntries,
  RevisionLog,
  type RevisionDocument,
  type RevisionHeadDocument,
  type OutboxEntry,
  type OutboxTracker,
} from '@tenantatlas/store';
import type { Decide, KnownRun, RunArchive, RunListPosition, RunListQuery, RunRepository, SlotClaim, Transitioned } from '../../app/ports';
import { RUN_REQUESTED, type Run } from '../../domain/run';
import { applyChange, type LifecycleVerb, type RunChange } from '../../domain/transitions';
import { idempotencyClaim } from '../../domain/run-type';
import { runList, runListsOf, type ListedRun } from '../../domain/run-list';
import {
  READ_FIELDS,
  type ArchivedRunDocument,
  type RunArchiveMarkDocument,
  type RunDocument,
  type RunListEntry,
  type RunKeyDocument,
  type RunScheduleDocument,
  type RunSlotClaim,
  type RunTransitionDocument,
  type SealedRunListDocument,
  type StoredRun,
} from './run.schema';
import { RunLists } from './run-lists';
import { HEAL_AFTER_MS, RunScans } from './run.scans';

/** A run read from storage; only the document's own bookkeeping (version) is dropped. */
function toRun(doc: StoredRun): Run {
  const { _id, version: _version, abandoned: _abandoned, ...rest } = doc;
  return { id: _id, ...rest, attempts: doc.attempts ?? [], summaryCounts: doc.summaryCounts ?? {}, context: doc.context ?? {} };
}

/**
 * The `$set` that turns the stored run into `after`: every field of the run, not only the changed
 * ones, so applying it twice changes nothing and a projection lost to a concurrent write of the
 * document (an update rewrites the whole document: the outbox relay clearing the run's creation
 * events while a worker projects its claim can undo the claim's fields, docs/storage.md) is made
 * good by the next one.
 */
function projection(change: RunChange, after: Run, version: number): Record<string, unknown> {
  const { id: _id, ...fields } = after;
  return { ...change.set, ...fields, version };
}

/** The collections of runs (run.schema.ts). */
export interface RunModels {
  runs: Model<RunDocument>;
  transitions: Model<RunTransitionDocument>;
  schedule: Model<RunScheduleDocument>;
  slotClaims: Model<RevisionDocument<RunSlotClaim>>;
  slotHeads: Model<RevisionHeadDocument>;
  keys: Model<RunKeyDocument>;
  lists: Model<RevisionDocument<RunListEntry>>;
  listHeads: Model<RevisionHeadDocument>;
  listSeals: Model<SealedRunListDocument>;
  archived: Model<ArchivedRunDocument>;
  archiveMarks: Model<RunArchiveMarkDocument>;
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
        rerunOf: after.rerunOf ?? null,
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
 * Runs in MongoDB. A start claims its run's dedupe key (a revision of the key's claim log, see
 * RunSlotClaim) and then inserts the run; every later change is committed as a run transition
 * (unique per run version, with its events) and then projected onto the run document. See
 * RunTransitionDocument for why.
 */
export class MongoRunRepository implements RunRepository, RunArchive {
  /**
   * Starts that arrive together are stored together: the claims of concurrent starts go in one
   * write, then their schedule entries in one, their runs in one and their idempotency keys in one
   * (see GroupCommit). Each document is still its own insert; the batching decides nothing.
   */
  private readonly scheduling: GroupCommit<RunScheduleDocument>;
  private readonly creating: GroupCommit<RunDocument>;
  private readonly remembering: GroupCommit<RunKeyDocument>;
  private readonly claims: RevisionLog<RunSlotClaim>;
  private readonly scans: RunScans;
  private readonly lists: RunLists;

  constructor(
    private readonly models: RunModels,
    private readonly topics: RunTopics,
    /** told about every committed write that carries events, so they can be published at once */
    private readonly outbox: OutboxTracker = { track: () => undefined },
  ) {
    this.scheduling = new GroupCommit(models.schedule, STARTS_WRITING);
    this.creating = new GroupCommit(models.runs, STARTS_WRITING);
    this.remembering = new GroupCommit(models.keys, STARTS_WRITING);
    this.claims = new RevisionLog({
      revisions: models.slotClaims,
      heads: models.slotHeads,
      topic: topics.operationsEvents,
      outbox,
      firstRevision: 1,
      groupCommit: STARTS_WRITING,
    });
    this.lists = new RunLists(models.lists, models.listHeads, models.listSeals, { read: (runId) => this.listedRun(runId), giveUp: (runId) => this.abandon(runId) });
    this.scans = new RunScans(models.runs, models.schedule, async (doc) => toRun(await this.rollForward(doc)));
  }

  private get runs() {
    return this.models.runs;
  }

  /** A new run is queued and dispatched: its `queued` event and its run request go in its insert. */
  async insert(run: Run, actor: Actor): Promise<'created' | 'abandoned'> {
    const { id, ...fields } = run;
    const outbox = eventsOf(this.topics, { verb: 'queued', dispatch: true }, run, actor);
    // listed and scheduled first, due at its redispatch time: a run is never stored without its
    // entry and its places in its run lists (a crash in between leaves an entry the sweeper
    // drops, and a listed id that readers skip)
    const [scheduled] = await Promise.all([
      this.scheduling.insert({ _id: id, dueAt: run.redispatchAt ?? run.createdAt }),
      ...runListsOf(run).map((list) => this.lists.register(run.workspaceId, list, id)),
    ]);
    if (scheduled === 'duplicate') throw new Error(`run id ${id} is already scheduled`);
    try {
      if ((await this.creating.insert({ _id: id, ...fields, version: 0, ...initialOutbox(outbox) })) === 'inserted') {
        this.outbox.track(this.runs, id, outbox);
        return 'created';
      }
    } catch (err) {
      // a write that failed as a whole (not this run alone) may still have stored the run, and its events
      this.outbox.track(this.runs, id);
      const stored = await this.runs.findById(id, { abandoned: 1 }).lean<{ abandoned?: boolean }>().catch(() => null);
      if (!stored) {
        await this.unschedule(id);
        throw err;
      }
      if (!stored.abandoned) return 'created';
    }
    await this.unschedule(id);
    return 'abandoned';
  }

  /** the entry of a run that was not stored; one left behind is dropped by the sweeper */
  private async unschedule(runId: string): Promise<void> {
    await this.models.schedule.deleteOne({ _id: runId }).catch(() => undefined);
  }

  findById(runId: string): Promise<Run | null> {
    return this.one(runId);
  }

  /** Read by `_id` alone, the workspace checked here. */
  async findInWorkspace(workspaceId: string, runId: string): Promise<Run | null> {
    const run = await this.one(runId);
    return run?.workspaceId === workspaceId ? run : null;
  }

  async newestClaim(activeSlot: string): Promise<SlotClaim | null> {
    const newest = await this.claims.latestOf(activeSlot);
    return newest ? { revision: newest.revision, runId: newest.body.runId, at: new Date(newest.body.at) } : null;
  }

  claim(workspaceId: string, activeSlot: string, { revision, runId, at }: SlotClaim): Promise<boolean> {
    return this.claims.append(workspaceId, activeSlot, revision, { runId, at }, []);
  }

  async runOfClaim(runId: string): Promise<Run | null | 'abandoned'> {
    const doc = await this.runs.findById(runId, READ_FIELDS).lean<StoredRun>();
    if (doc?.abandoned) return 'abandoned';
    return doc ? toRun(await this.rollForward(doc)) : this.archivedRun(runId);
  }

  /**
   * Takes the run's id before its start stores it: the start's insert is then refused and it
   * decides again. A stand-in outside every workspace, which no read returns.
   */
  async abandon(runId: string): Promise<boolean> {
    try {
      await this.runs.insertMany([{ _id: runId, abandoned: true, version: 0 }], { lean: true });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async findByIdempotencyKey(workspaceId: string, key: string): Promise<Run | null> {
    const remembered = await this.models.keys.findById(idempotencyClaim(workspaceId, key)).lean<RunKeyDocument>();
    return remembered ? this.one(remembered.runId) : null;
  }

  async rememberIdempotencyKey(workspaceId: string, key: string, runId: string): Promise<string> {
    const _id = idempotencyClaim(workspaceId, key);
    if ((await this.remembering.insert({ _id, runId })) === 'inserted') return runId;
    const earlier = await this.models.keys.findById(_id).lean<RunKeyDocument>();
    return earlier?.runId ?? runId;
  }

  list(query: RunListQuery): Promise<Run[]> {
    return this.scans.list(query);
  }

  listed(workspaceId: string, list: string, count: number, after?: RunListPosition): Promise<{ run: Run; position: RunListPosition }[]> {
    return this.lists.walk(workspaceId, list, count, after);
  }

  /** A run a list names, as stored now (live or archived). */
  private async listedRun(runId: string): Promise<ListedRun> {
    const doc = await this.runs.findById(runId, READ_FIELDS).lean<StoredRun>();
    if (!doc) return (await this.archivedRun(runId)) ?? 'not stored';
    return doc.abandoned ? 'given up' : toRun(await this.rollForward(doc));
  }

  /** A run retention moved to the archive, read at its place in its sealed revision. */
  private async archivedRun(runId: string): Promise<Run | null> {
    const archived = await this.models.archived.findById(runId).lean<ArchivedRunDocument>();
    return archived ? this.lists.sealedRunAt(archived.revision, archived.place) : null;
  }

  async archivedThrough(workspaceId: string): Promise<number> {
    return (await this.models.archiveMarks.findById(runList(workspaceId)).lean<RunArchiveMarkDocument>())?.revision ?? 0;
  }

  async markArchived(workspaceId: string, revision: number): Promise<void> {
    await this.models.archiveMarks.replaceOne({ _id: runList(workspaceId) }, { revision }, { upsert: true });
  }

  finalRevision(workspaceId: string, revision: number, writtenBefore: Date): Promise<(Run | null)[] | null> {
    return this.lists.finalRevision(workspaceId, runList(workspaceId), revision, writtenBefore);
  }

  /**
   * Each run's place in the seal is written first, then its changes and the run itself are
   * removed by `_id`: a read by id in between finds the run in one place or the other. The tenant
   * list's revisions that name an archived run find it the same way. Replicas archiving one
   * revision write the same places and remove the same documents.
   */
  async archive(workspaceId: string, revision: number, runs: readonly (Run | null)[]): Promise<boolean> {
    const { archived, transitions } = this.models;
    const places = runs.flatMap((run, place) => (run ? [{ _id: run.id, revision: `${runList(workspaceId)}:${revision}`, place }] : []));
    if (places.length === 0) return true;
    const stored = await Promise.all(places.map(({ _id }) => this.runs.findById(_id, { version: 1, outboxPending: 1 }).lean<Pick<RunDocument, 'version' | 'outboxPending'>>()));
    const changeIds = places.flatMap(({ _id }, i) => Array.from({ length: stored[i]?.version ?? 0 }, (_, version) => `${_id}:${version}`));
    const changes = await Promise.all(changeIds.map((_id) => transitions.findById(_id, { outboxPending: 1 }).lean<Pick<RunTransitionDocument, 'outboxPending'>>()));
    // Marked unpublished: handed to the relay, which reads, publishes and clears them; a later
    // pass archives the run. A run's mark may outlive its publish (a projection that overlapped
    // the relay's clear rewrites the whole document, the mark with it): the relay publishes those
    // events again, which consumers drop by event id, and the clear holds, since a completed run
    // is not projected again.
    const unpublishedRuns = places.filter((_, i) => stored[i]?.outboxPending).map(({ _id }) => _id);
    const unpublishedChanges = changeIds.filter((_, i) => changes[i]?.outboxPending);
    for (const _id of unpublishedRuns) this.outbox.track(this.runs, _id);
    for (const _id of unpublishedChanges) this.outbox.track(transitions, _id);
    if (unpublishedRuns.length + unpublishedChanges.length > 0) return false;
    try {
      await archived.insertMany(places, { ordered: false, lean: true });
    } catch (err) {
      // places another replica wrote first: the same ones
      if (!isDuplicateKeyError(err)) throw err;
    }
    const byId = (ids: string[]) => ids.map((_id) => ({ deleteOne: { filter: { _id } } }));
    // one delete by `_id` a document, sent together
    // query-shape: equal _id
    if (changeIds.length > 0) await transitions.bulkWrite(byId(changeIds), { ordered: false });
    // query-shape: equal _id
    await this.runs.bulkWrite(byId(places.map(({ _id }) => _id)), { ordered: false });
    return true;
  }

  findDue(now: Date, limit: number, after?: Date): Promise<{ due: Run[]; next?: Date }> {
    return this.scans.findDue(now, limit, after);
  }

  async transition(runId: string, decide: Decide, actor: Actor, known?: KnownRun): Promise<Transitioned | null> {
    let current: KnownRun | null | undefined = known;
    for (let race = 0; race < 20; race++) {
      current ??= await this.known(runId);
      if (!current) return null;
      const { run: before, version } = current;
      current = undefined;
      const change = decide(before);
      if (!change) {
        // declined on what its writer knew: the run may have moved on since; decide on what is stored
        if (known && race === 0) continue;
        return null;
      }
      const after = applyChange(before, change);
      const set = projection(change, after, version + 1);
      const outbox = eventsOf(this.topics, change, after, actor, before);
      const transitionId = `${runId}:${version}`;
      const committed = await this.commit({
        _id: transitionId,
        runId,
        version,
        set: Object.entries(set).map(([path, value]) => ({ path, value })),
        committedAt: new Date(),
        ...initialOutbox(outbox),
      });
      // another writer took this version: decide again on its result
      if (!committed) continue;
      await this.project(runId, set);
      await this.scans.reschedule(before, after);
      return { before, after, change, version: version + 1 };
    }
    throw new Error(`run ${runId} kept changing; transition abandoned`);
  }

  /**
   * Inserts a transition; false when another writer committed that version first (its events are
   * that writer's to publish). Any other failure may have stored it: the relay then looks.
   */
  private async commit(transition: RunTransitionDocument): Promise<boolean> {
    const { transitions } = this.models;
    const events = transition.outbox.length > 0;
    try {
      // built whole from the domain's typed change, so stored as it is: hydrating and validating it took 4 % of a worker's CPU
      await (transitions.collection as unknown as mongo.Collection<RunTransitionDocument>).insertOne(transition);
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      if (events) this.outbox.track(transitions, transition._id);
      throw err;
    }
    if (events) this.outbox.track(transitions, transition._id, transition.outbox);
    return true;
  }

  /**
   * Writes a transition onto the run document, by `_id` alone (a hot path reads and writes by `_id`
   * only, docs/storage.md). Only the transition's writer projects it at once (readers wait,
   * see rollForward), so projections land in commit order; one that still lands late (its writer
   * stalled while another committed and projected the next version) sets an older version number
   * with it, and reads roll the document forward from there again: the transitions stay the truth.
   */
  private async project(runId: string, set: Record<string, unknown>): Promise<void> {
    // a plain write, decided by nothing: the transition's insert under its unique `_id` decided the
    // change. The domain's typed run is stored as it is (mongoose's casting took 4 % of a worker's CPU)
    const runs = this.runs.collection as unknown as mongo.Collection<RunDocument>;
    await runs.updateOne({ _id: runId }, { $set: set });
  }

  /** The run as stored now, live or archived. */
  private async one(runId: string): Promise<Run | null> {
    const doc = await this.runs.findById(runId, READ_FIELDS).lean<StoredRun>();
    if (!doc) return this.archivedRun(runId);
    return doc.abandoned ? null : toRun(await this.rollForward(doc));
  }

  private async known(runId: string): Promise<KnownRun | null> {
    const doc = await this.current(runId);
    return doc ? { run: toRun(doc), version: doc.version } : null;
  }

  /** The run as of its last committed transition; null for an id no run was stored under. */
  private async current(runId: string): Promise<StoredRun | null> {
    const doc = await this.runs.findById(runId, READ_FIELDS).lean<StoredRun>();
    return doc && !doc.abandoned ? this.rollForward(doc) : null;
  }

  /**
   * Applies committed transitions the document does not reflect yet. Projecting is the job of the
   * transition's writer, which does it right after committing; a reader writes the projection only
   * for a transition older than HEAL_AFTER_MS (its writer evidently stopped in between). A reader
   * projecting a fresh transition could land after the writer's next projection and set the run
   * back a version (the write cannot be conditional on the version, see project()).
   */
  private async rollForward(doc: StoredRun): Promise<StoredRun> {
    let current = doc;
    // a completed run is never changed again: a document that shows the completion is final
    while (current.status !== 'completed') {
      const next = await this.models.transitions
        .findById(`${current._id}:${current.version}`, { set: 1, committedAt: 1 })
        .lean<Pick<RunTransitionDocument, 'set' | 'committedAt'>>();
      if (!next) return current;
      const set = Object.fromEntries(next.set.map(({ path, value }) => [path, value]));
      if (Date.now() - new Date(next.committedAt).getTime() > HEAL_AFTER_MS) await this.project(current._id, set);
      current = { ...current, ...set } as StoredRun;
    }
    return current;
  }
}

/**
 * Writes of starts in flight at once per collection. With one, starts ran slower in the bench
 * (79 vs 143 starts/s at 64 concurrent): the process's other writes (claims, transitions, clears)
 * still go one command each, and the starts' single write waited its turn among them; with 4 no
 * slower than before, and starts beyond those still share writes.
 */
const STARTS_WRITING = 4;
