/**
 * Serialises writes to the same document inside one process.
 *
 * Why: FerretDB 1.24 (SQLite backend, what tests run on) performs an update as read, modify,
 * write-back of the whole document, not atomically; two concurrent updates of one document can
 * lose one of them (measured: 62 of 100 races), and a filter such as `{version: n}` is checked
 * against the stale read. MongoDB does not have this problem. Routing every write of a document
 * (including the outbox relay's clear) through one lock per id removes the race within a process.
 */
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(id: unknown, write: () => Promise<T>): Promise<T> {
    const key = String(id);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(write);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}
