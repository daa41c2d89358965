import { Schema, type Connection, type Model, type SchemaDefinition } from 'mongoose';
import { outboxFields, revisionHeadModel, revisionModel, type OutboxDocument } from '@tenantatlas/store';
import type { Attempt, Run } from '../../domain/run';

/**
 * A run as stored. A run whose creator gave up its active-run claim before storing it (see
 * RunSlotClaim) is stored as `abandoned`: nothing else can take its id afterwards.
 */
export interface RunDocument extends Omit<Run, 'id'>, OutboxDocument {
  _id: string;
  /** number of committed transitions this document reflects (see RunTransitionDocument) */
  version: number;
  abandoned?: boolean;
}

/** What reads of a run leave out: its outbox. */
export const READ_FIELDS = { outbox: 0, outboxPending: 0 } as const;
export type StoredRun = Omit<RunDocument, keyof typeof READ_FIELDS>;

/**
 * A committed transition of a run: `_id` is `<runId>:<version it starts from>`, so the unique
 * `_id` lets exactly one writer commit each version, with its events (outbox) in the same insert.
 * The run document is a projection of its creation plus these transitions; a reader that finds
 * a transition for the document's version applies it first ("rolls forward").
 *
 * Not a compare-and-set update of the run document: only an insert under a unique `_id` decides
 * between writers (docs/storage.md, "The rules every service follows").
 */
export interface RunTransitionDocument extends OutboxDocument {
  _id: string;
  runId: string;
  version: number;
  /** the projection update: absolute `$set` paths, so applying it twice changes nothing */
  set: { path: string; value: unknown }[];
  committedAt: Date;
}

const attemptSchema = new Schema<Attempt>(
  {
    number: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    endedAt: { type: Date, default: null },
    result: { type: String, default: null },
    errorClass: { type: String, default: null },
    reasonCode: { type: String, default: null },
    message: { type: String, default: null },
    retryAfterMs: { type: Number, default: 0 },
    worker: { type: String, required: true },
  },
  { _id: false },
);

const runSchema = new Schema<RunDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    tenantId: { type: String, required: true },
    type: { type: String, required: true },
    subject: { type: String, default: '' },
    status: { type: String, required: true },
    outcome: { type: String, default: null },
    reasonCode: { type: String, default: null },
    message: { type: String, default: null },
    attemptCount: { type: Number, required: true },
    maxAttempts: { type: Number, required: true },
    attempts: { type: [attemptSchema], default: [] },
    summaryCounts: { type: Schema.Types.Mixed, default: {} },
    context: { type: Schema.Types.Mixed, default: {} },
    initiator: { type: Schema.Types.Mixed, required: true },
    idempotencyKey: { type: String, default: null },
    rerunOf: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    completedAt: { type: Date, default: null },
    nextAttemptAt: { type: Date, default: null },
    redispatchAt: { type: Date, default: null },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    traceparent: { type: String, default: null },
    abandoned: { type: Boolean },
    version: { type: Number, required: true, default: 0 },
    ...outboxFields,
  },
  { collection: 'runs', versionKey: false, minimize: false },
);

runSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

const runTransitionSchema = new Schema<RunTransitionDocument>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    version: { type: Number, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    committedAt: { type: Date, required: true },
    ...outboxFields,
  },
  { collection: 'run_transitions', versionKey: false, minimize: false },
);

/** The model of `name` on this connection, compiled once. */
const modelOf = <T>(connection: Connection, name: string, schema: Schema<T>): Model<T> =>
  (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);

export const runModel = (connection: Connection) => modelOf(connection, 'Run', runSchema);
export const runTransitionModel = (connection: Connection) => modelOf(connection, 'RunTransition', runTransitionSchema);

/**
 * "One active run per dedupe key" is a log of the key (store's RevisionLog, `<key>:<n>`): each
 * revision names the run that took the key, and a start may append the next revision only once
 * the run of the newest one completed. Of concurrent starts exactly one appends it.
 */
export interface RunSlotClaim {
  runId: string;
  /** when it was taken: a claim whose run never appeared is vacated after a while */
  at: Date;
}

export const runSlotClaimModel = (connection: Connection) => revisionModel<RunSlotClaim>(connection, 'RunSlotClaim', 'run_slot_claims');
export const runSlotHeadModel = (connection: Connection) => revisionHeadModel(connection, 'RunSlotHead', 'run_slot_heads');

/** A revision of a run list (see RunLists): the runs one batch of starts registered, oldest first. */
export interface RunListEntry {
  runIds: string[];
  /** when it was written (absent on revisions written before it was kept) */
  at?: Date;
}

export const runListModel = (connection: Connection) => revisionModel<RunListEntry>(connection, 'RunList', 'run_lists');
export const runListHeadModel = (connection: Connection) => revisionHeadModel(connection, 'RunListHead', 'run_list_heads');

/** An idempotency key of a workspace (`_id` `<workspace>|<key>`) and the run it created; inserted once, never changed. */
export interface RunKeyDocument {
  _id: string;
  runId: string;
}

/** A collection of small documents under an `_id` their writer chooses, with one value each. */
const keyedSchema = <T>(collection: string, fields: SchemaDefinition<T>) =>
  new Schema<T>({ _id: { type: String, required: true }, ...fields }, { collection, versionKey: false });

const runKeySchema = keyedSchema<RunKeyDocument>('run_keys', { runId: { type: String, required: true } });
export const runKeyModel = (connection: Connection) => modelOf(connection, 'RunKey', runKeySchema);

/**
 * A revision of a run list whose runs all completed, kept with its runs (`_id` the revision's,
 * `<list>:<n>`): one JSON line per run it lists, `null` for an id whose start gave it up
 * (domain/run-list.ts), gzip-packed. Inserted once by whichever reader finds the revision final;
 * never changed.
 */
export interface SealedRunListDocument {
  _id: string;
  workspaceId: string;
  packed: Buffer;
}

const sealedRunListSchema = keyedSchema<SealedRunListDocument>('run_list_seals', {
  workspaceId: { type: String, required: true },
  packed: { type: Buffer, required: true },
});
export const sealedRunListModel = (connection: Connection) => modelOf(connection, 'SealedRunList', sealedRunListSchema);

/**
 * Where an archived run lives now (`_id` the run's id): the sealed revision of its workspace's run
 * list (`<list>:<n>`) and its place there. Written by retention before the run leaves the live
 * runs, so a read by id finds it in one place or the other; never changed.
 */
export interface ArchivedRunDocument {
  _id: string;
  revision: string;
  place: number;
}

const archivedRunSchema = keyedSchema<ArchivedRunDocument>('run_archive', {
  revision: { type: String, required: true },
  place: { type: Number, required: true },
});
export const archivedRunModel = (connection: Connection) => modelOf(connection, 'ArchivedRun', archivedRunSchema);

/**
 * How far retention got in a workspace's run list (`_id` the list): every revision up to
 * `revision` is archived. A plain write that may go back when two replicas race: the next pass
 * repeats that work, which changes nothing.
 */
export interface RunArchiveMarkDocument {
  _id: string;
  revision: number;
}

const runArchiveMarkSchema = keyedSchema<RunArchiveMarkDocument>('run_archive_marks', { revision: { type: Number, required: true } });
export const runArchiveMarkModel = (connection: Connection) => modelOf(connection, 'RunArchiveMark', runArchiveMarkSchema);

/**
 * When the sweeper should next look at a run: its lease expiry while running, its (re)dispatch
 * time while queued; once it completed, a few seconds later, to check that the stored document
 * shows the completion (repairing it if a concurrent write undid it), then deleted. The sweeper
 * reads this small collection (only unfinished runs) instead of querying the runs, so a sweep
 * costs what is due, not what was ever stored. Written before the run and when the run comes due
 * sooner; an entry due earlier than its run only makes the sweeper look early (it then reads the
 * run and moves the entry on), so a crash between the two writes loses nothing.
 */
export interface RunScheduleDocument {
  _id: string;
  dueAt: Date;
}

// the one exception to `_id` only: the sweeper reads what came due (see RunScans.findDue)
const runScheduleSchema = keyedSchema<RunScheduleDocument>('run_schedule', { dueAt: { type: Date, required: true } });
runScheduleSchema.index({ dueAt: 1 });

export const runScheduleModel = (connection: Connection) => modelOf(connection, 'RunSchedule', runScheduleSchema);

/** Every collection of the service, by the name the repository holds it under. */
export const runModels = (connection: Connection) => ({
  runs: runModel(connection),
  transitions: runTransitionModel(connection),
  schedule: runScheduleModel(connection),
  slotClaims: runSlotClaimModel(connection),
  slotHeads: runSlotHeadModel(connection),
  keys: runKeyModel(connection),
  lists: runListModel(connection),
  listHeads: runListHeadModel(connection),
  listSeals: sealedRunListModel(connection),
  archived: archivedRunModel(connection),
  archiveMarks: runArchiveMarkModel(connection),
});
