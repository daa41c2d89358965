import { isDuplicateKeyError, outboxEntries, outboxFields, initialOutbox, trackAfter, type EventEnvelope, type OutboxDocument, type OutboxTracker } from '@tenantatlas/shared';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Append-only revisions: the compare-and-set every write relies on is the insert of revision
 * n+1 under a unique `_id` (`<entity>:<n+1>`). FerretDB (our test database) does not apply a
 * conditional update atomically under concurrency (two `updateOne({rev: n})` can both apply),
 * but it does enforce unique keys, so of concurrent writers that read revision n exactly one
 * appends n+1. A revision is never changed afterwards except by the outbox relay clearing its
 * own events, so a relay can never drop an event pushed concurrently.
 */
export interface RevisionDocument<T> extends OutboxDocument {
  _id: string;
  entityId: string;
  workspaceId: string;
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
  schema.index({ entityId: 1, revision: -1 });
  return connection.model<RevisionDocument<T>>(name, schema);
}

export class RevisionLog<T> {
  constructor(
    private readonly model: Model<RevisionDocument<T>>,
    private readonly heads: Model<any>,
    private readonly topic: string,
    private readonly outbox: OutboxTracker,
  ) {}

  /**
   * The newest revision of an entity, or null when it has none beyond its head. `hint` is the
   * head's `latestRevision`: a lower bound of an existing revision, so probing forward by `_id`
   * (the one lookup FerretDB answers from an index) finds the newest in one or two reads.
   */
  async latest(entityId: string, hint: number | undefined): Promise<{ revision: number; body: T } | null> {
    let found: { revision: number; body: T } | null = null;
    for (let revision = Math.max(2, hint ?? 2); ; revision++) {
      const doc = await (this.model as Model<any>).findById(`${entityId}:${revision}`, { revision: 1, body: 1 }).lean<{ revision: number; body: T }>();
      if (!doc) return found;
      found = doc;
    }
  }

  /**
   * The newest revision of many entities in one read: each head's hint and the two revisions after
   * it are fetched by `_id` together; an entity whose last probed revision exists is probed further
   * on its own (a head whose hint fell behind by more than two writes).
   */
  async latestOfMany(heads: { id: string; hint: number | undefined }[]): Promise<Map<string, { revision: number; body: T }>> {
    const PROBE = 3;
    const ids = heads.flatMap(({ id, hint }) => Array.from({ length: PROBE }, (_, k) => `${id}:${Math.max(2, hint ?? 2) + k}`));
    const found = new Map<string, { revision: number; body: T }>();
    if (ids.length === 0) return found;
    const docs = await (this.model as Model<any>).find({ _id: { $in: ids } }, { entityId: 1, revision: 1, body: 1 }).lean<{ entityId: string; revision: number; body: T }[]>();
    for (const doc of docs) {
      const known = found.get(doc.entityId);
      if (!known || known.revision < doc.revision) found.set(doc.entityId, { revision: doc.revision, body: doc.body });
    }
    await Promise.all(
      heads.map(async ({ id, hint }) => {
        const lastProbed = Math.max(2, hint ?? 2) + PROBE - 1;
        if (found.get(id)?.revision !== lastProbed) return;
        const newer = await this.latest(id, lastProbed);
        if (newer) found.set(id, newer);
      }),
    );
    return found;
  }

  /** Appends revision `revision` with its events; false when someone appended it first. */
  async append(workspaceId: string, entityId: string, revision: number, body: T, events: EventEnvelope[]): Promise<boolean> {
    try {
      const id = `${entityId}:${revision}`;
      await trackAfter(this.outbox, this.model, id, () =>
        this.model.create({ _id: id, entityId, workspaceId, revision, body, ...initialOutbox(outboxEntries(this.topic, events)) }),
      );
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
    // Only a hint: a racing update may leave it lower, never above an existing revision.
    await this.heads.updateOne({ _id: entityId }, { $max: { latestRevision: revision } }).catch(() => undefined);
    return true;
  }
}
