import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './connection';
import { initialOutbox, outboxEntries, outboxFields, type OutboxDocument, type StoredEvent } from './outbox';
import { trackAfter, type OutboxTracker } from './outbox-relay';
import { GroupCommit } from './group-commit';

/**
 * Versions of an entity, append-only: a change is the insert of revision n+1 under the unique
 * `_id` `<entity>:<n+1>`, carrying the whole new state and the events the change publishes. Of
 * concurrent writers that read revision n exactly one appends n+1 (the unique `_id` is the
 * compare-and-set); the others learn they lost and decide again on the newer state. A revision is
 * never changed afterwards except by the outbox relay clearing its own events.
 *
 * Uniqueness rules are the same primitive: a rule "at most one X per key" is a log keyed by that
 * key whose newest revision names the holder (e.g. a tenant's default connection).
 */
export interface RevisionDocument<T> extends OutboxDocument {
  _id: string;
  entityId: string;
  workspaceId: string;
  revision: number;
  body: T;
}

export interface Revision<T> {
  revision: number;
  body: T;
}

export function revisionModel<T>(connection: Connection, name: string, collection: string): Model<RevisionDocument<T>> {
  const existing = connection.models[name] as Model<RevisionDocument<T>> | undefined;
  if (existing) return existing;
  const schema = new Schema<RevisionDocument<T>>(
    {
      _id: { type: String },
      entityId: { type: String, required: true },
      workspaceId: { type: String, required: true },
      revision: { type: Number, required: true },
      body: { type: Schema.Types.Mixed, required: true },
      ...outboxFields,
    },
    { collection, versionKey: false, minimize: false },
  );
  return connection.model<RevisionDocument<T>>(name, schema);
}

/** The documents that hold each entity's `latestRevision`: a hint that may lag, never a guard. */
export interface RevisionHeadDocument {
  _id: string;
  latestRevision: number;
}

/** A head collection for logs whose entity has no document of its own (a uniqueness rule's key). */
export function revisionHeadModel(connection: Connection, name: string, collection: string): Model<RevisionHeadDocument> {
  const existing = connection.models[name] as Model<RevisionHeadDocument> | undefined;
  if (existing) return existing;
  const schema = new Schema<RevisionHeadDocument>({ _id: { type: String }, latestRevision: { type: Number, required: true } }, { collection, versionKey: false });
  return connection.model<RevisionHeadDocument>(name, schema);
}

export interface RevisionLogOptions<T> {
  revisions: Model<RevisionDocument<T>>;
  /** where each entity's `latestRevision` hint lives (`_id` = entity id) */
  heads: Model<any>;
  topic: string;
  /** told about every append, so the relay publishes its events */
  outbox: OutboxTracker;
  /**
   * The first revision this log stores: 2 when the entity's own document holds revision 1 (its
   * creation), 1 when the entity exists only in the log; then the head hint is created by the
   * first append.
   */
  firstRevision?: 1 | 2;
  /**
   * Appends that arrive together are stored together, up to this many writes in flight (see
   * GroupCommit); unset: one insert each. Each revision is still accepted or refused on its own.
   */
  groupCommit?: number;
  /**
   * The head hint is written at every this-many-th revision (default 1: at each), and a read
   * probes that many revisions past it at once: a log appended to very often (a workspace's run
   * index) saves most of its hint writes for one wider read.
   */
  hintEvery?: number;
}

const PROBE = 3;

export class RevisionLog<T> {
  private readonly first: number;
  private readonly hintEvery: number;
  private readonly appending: GroupCommit<RevisionDocument<T>> | undefined;

  constructor(private readonly options: RevisionLogOptions<T>) {
    this.first = options.firstRevision ?? 2;
    this.hintEvery = options.hintEvery ?? 1;
    this.appending = options.groupCommit ? new GroupCommit(options.revisions, options.groupCommit) : undefined;
  }

  /** Stores an entity's head: what never changes, its first version and the events of its creation. */
  async createHead(head: { _id: string } & Record<string, unknown>, events: StoredEvent[]): Promise<void> {
    const { heads, topic, outbox } = this.options;
    const entries = outboxEntries(topic, events);
    await trackAfter(outbox, heads, head._id, () => heads.create({ ...head, ...initialOutbox(entries) }), entries);
  }

  /**
   * The newest revision of an entity, or null when the log has none. `hint` is the head's
   * `latestRevision`: a lower bound of an existing revision, so probing forward by `_id` finds the
   * newest in one or two reads.
   */
  async latest(entityId: string, hint: number | undefined): Promise<Revision<T> | null> {
    let found: Revision<T> | null = null;
    for (let from = Math.max(this.first, hint ?? this.first); ; from += this.hintEvery) {
      // revisions are appended one after the other: the stored ones of a window are its first ones
      const stored = await this.revisionsAt(entityId, Array.from({ length: this.hintEvery }, (_, k) => from + k));
      found = stored.at(-1) ?? found;
      if (stored.length < this.hintEvery) return found;
    }
  }

  /**
   * The newest revision of an entity, probing forward from its head's hint. In a log whose entities
   * exist only in it (first revision 1) the head and the first revision are read together: most
   * such entities (a key taken once) have no head, and then the first read answers.
   */
  async latestOf(entityId: string): Promise<Revision<T> | null> {
    if (this.first !== 1) {
      const head = await this.options.heads.findById(entityId, { latestRevision: 1 }).lean<{ latestRevision?: number }>();
      return this.latest(entityId, head?.latestRevision);
    }
    const [head, first] = await Promise.all([
      this.options.heads.findById(entityId, { latestRevision: 1 }).lean<{ latestRevision?: number }>(),
      this.model.findById(`${entityId}:${this.first}`, { revision: 1, body: 1 }).lean<Revision<T>>(),
    ]);
    const hint = head?.latestRevision ?? this.first;
    if (hint > this.first) return this.latest(entityId, hint);
    return first ? ((await this.latest(entityId, this.first + 1)) ?? { revision: first.revision, body: first.body }) : null;
  }

  /**
   * The newest revision of many entities in one read: each head's hint and the two revisions after
   * it are fetched by `_id` together; an entity whose last probed revision exists is probed further
   * on its own (a head whose hint fell behind by more than two writes).
   */
  async latestOfMany(heads: { id: string; hint: number | undefined }[]): Promise<Map<string, Revision<T>>> {
    const start = (hint: number | undefined) => Math.max(this.first, hint ?? this.first);
    const ids = heads.flatMap(({ id, hint }) => Array.from({ length: PROBE }, (_, k) => `${id}:${start(hint) + k}`));
    const found = new Map<string, Revision<T>>();
    if (ids.length === 0) return found;
    const docs = await this.model.find({ _id: { $in: ids } }, { entityId: 1, revision: 1, body: 1 }).lean<(Revision<T> & { entityId: string })[]>();
    for (const doc of docs) {
      const known = found.get(doc.entityId);
      if (!known || known.revision < doc.revision) found.set(doc.entityId, { revision: doc.revision, body: doc.body });
    }
    await Promise.all(
      heads.map(async ({ id, hint }) => {
        const lastProbed = start(hint) + PROBE - 1;
        if (found.get(id)?.revision !== lastProbed) return;
        const newer = await this.latest(id, lastProbed);
        if (newer) found.set(id, newer);
      }),
    );
    return found;
  }

  /** The stored revisions of an entity among `revisions`, in the order asked (each read by `_id`). */
  async revisionsAt(entityId: string, revisions: readonly number[]): Promise<Revision<T>[]> {
    const docs = await Promise.all(revisions.map((revision) => this.model.findById(`${entityId}:${revision}`, { revision: 1, body: 1 }).lean<Revision<T>>()));
    return docs.filter((doc): doc is Revision<T> => doc !== null).map((doc) => ({ revision: doc.revision, body: doc.body }));
  }

  /** Appends revision `revision` with its events; false when someone appended it first. */
  async append(workspaceId: string, entityId: string, revision: number, body: T, events: StoredEvent[]): Promise<boolean> {
    const { revisions, heads, topic, outbox } = this.options;
    const id = `${entityId}:${revision}`;
    const entries = outboxEntries(topic, events);
    // a revision without events (a claim) leaves the relay nothing to look at
    const relay = (stored?: typeof entries) => (entries.length > 0 ? outbox.track(revisions, id, stored) : undefined);
    const document = { _id: id, entityId, workspaceId, revision, body, ...initialOutbox(entries) };
    try {
      if (!this.appending) await revisions.create(document);
      else if ((await this.appending.insert(document)) === 'duplicate') return false;
    } catch (err) {
      // A refused insert stored nothing: the revision and its events are the winner's to publish.
      if (isDuplicateKeyError(err)) return false;
      // Any other failure may have stored it (an answer lost with the connection): the relay looks.
      relay();
      throw err;
    }
    relay(entries);
    // A read probes from the first revision anyway: a hint naming it would say nothing.
    if (revision === this.first || revision % this.hintEvery !== 0) return true;
    // Only a hint: a racing update may leave it lower, never above an existing revision.
    await heads.updateOne({ _id: entityId }, { $max: { latestRevision: revision } }, { upsert: this.first === 1 }).catch(() => undefined);
    return true;
  }

  private get model(): Model<any> {
    return this.options.revisions;
  }
}
