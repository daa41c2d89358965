import mongoose, { type Connection, type Model } from 'mongoose';

/**
 * Opens a dedicated connection (never the mongoose global, so tests can hold several). Indexes
 * are created explicitly by `ensureIndexes` before a service serves traffic, because uniqueness
 * rules (dedupe, one default per tenant) must exist before the first write relies on them.
 */
export async function connectMongo(url: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: 20,
  });
  await connection.asPromise();
  return connection;
}

export async function ensureIndexes(models: Model<any>[]): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
}

/**
 * MongoDB (and FerretDB) report a unique-index violation with code 11000. FerretDB's SQLite backend
 * reports the same violation as code 1 (InternalError, "UNIQUE constraint failed") when concurrent
 * writes race past its own check; the index still held, so that counts as a duplicate too.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: number; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

export async function pingMongo(connection: Connection): Promise<boolean> {
  try {
    await connection.db?.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
