import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './connection';

/** What the database said about one caller's document. */
export type InsertOutcome = 'inserted' | 'duplicate';

interface Waiting {
  document: Record<string, unknown>;
  resolve: (outcome: InsertOutcome) => void;
  reject: (err: unknown) => void;
}

/** a refusal of one document inside a batch, as the driver reports it */
interface DocumentRefusal {
  index: number;
  code?: number;
  errmsg?: string;
}

/** the most documents one write carries; the engine writes them 100 at a time anyway (storage.md) */
const MAX_DOCUMENTS = 500;

/**
 * Writes that arrive together go to the database together. Each write command costs FerretDB a
 * transaction of its own and they run one after another, so documents of one collection that
 * callers hand over while a write is in flight are stored by the next write, all in one unordered
 * `insertMany`. Nothing waits for a timer: a lone caller's document is written at once, and a
 * batch is whatever gathered while the previous write ran (or, with `maxWrites` above 1, while
 * that many writes ran).
 *
 * Only batching, never a guard: each document is its own insert, accepted or refused by the
 * collection's unique keys exactly as if it were written alone, and every caller learns its own
 * document's outcome. One caller's refused duplicate concerns nobody else in the batch.
 */
export class GroupCommit<T> {
  private waiting: Waiting[] = [];
  private writes = 0;

  constructor(
    private readonly model: Model<T>,
    /** writes in flight at once; documents gather only while all of them run */
    private readonly maxWrites = 1,
    private readonly maxDocuments = MAX_DOCUMENTS,
  ) {}

  /**
   * Stores `document` (cast and validated by the model's schema first, as `create` would): resolves
   * 'inserted', or 'duplicate' when a unique key refused it; rejects with any other error.
   */
  async insert(document: Partial<T> | Record<string, unknown>): Promise<InsertOutcome> {
    const cast = await this.cast(document);
    return new Promise((resolve, reject) => {
      this.waiting.push({ document: cast, resolve, reject });
      if (this.writes < this.maxWrites) void this.writeAll();
    });
  }

  private async cast(document: Partial<T> | Record<string, unknown>): Promise<Record<string, unknown>> {
    const doc = new this.model(document);
    await doc.validate();
    return doc.toObject({ transform: false, virtuals: false, getters: false, depopulate: true }) as Record<string, unknown>;
  }

  private async writeAll(): Promise<void> {
    this.writes++;
    try {
      while (this.waiting.length > 0) await this.write(this.waiting.splice(0, this.maxDocuments));
    } finally {
      this.writes--;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      await this.model.collection.insertMany(
        batch.map((waiting) => waiting.document),
        { ordered: false },
      );
      for (const waiting of batch) waiting.resolve('inserted');
    } catch (err) {
      settleRefused(batch, err);
    }
  }
}

/**
 * Tells each caller of a batch that failed its own outcome. Per-document refusals carry the index
 * of the document in the batch; a document without one was stored, but only when the counts
 * confirm it (the refusals and the inserted documents account for the whole batch). Otherwise the
 * failure was not about single documents (the connection dropped, the write was not acknowledged)
 * and every caller not refused individually gets the error: its document may or may not be stored.
 */
function settleRefused(batch: Waiting[], err: unknown): void {
  const refusals = refusalsOf(err);
  const inserted = (err as { result?: { insertedCount?: number } }).result?.insertedCount;
  const confirmed = refusals !== undefined && !hasWriteConcernError(err) && inserted === batch.length - refusals.size;
  batch.forEach((waiting, index) => {
    const refusal = refusals?.get(index);
    if (refusal && isDuplicateKeyError({ code: refusal.code, message: refusal.errmsg })) waiting.resolve('duplicate');
    else if (refusal) waiting.reject(Object.assign(new Error(refusal.errmsg ?? 'document refused'), { code: refusal.code }));
    else if (confirmed) waiting.resolve('inserted');
    else waiting.reject(err);
  });
}

function refusalsOf(err: unknown): Map<number, DocumentRefusal> | undefined {
  const writeErrors = (err as { writeErrors?: DocumentRefusal | DocumentRefusal[] } | null)?.writeErrors;
  if (writeErrors === undefined) return undefined;
  const refusals = [writeErrors].flat().filter((refusal) => typeof refusal?.index === 'number');
  return new Map(refusals.map((refusal) => [refusal.index, refusal]));
}

function hasWriteConcernError(err: unknown): boolean {
  const { writeConcernError, result } = err as { writeConcernError?: unknown; result?: { getWriteConcernError?: () => unknown } };
  return writeConcernError !== undefined || result?.getWriteConcernError?.() !== undefined;
}
