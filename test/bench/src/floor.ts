/**
 * The floor: what one insert of the same run document costs through the same driver (mongoose on
 * FerretDB) from one process. Nothing that stores a run can be faster than this.
 */
import { randomUUID } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { closedLoop } from './timing';

export class Floor {
  private connection: Connection | undefined;

  constructor(
    private readonly mongoUrl: string,
    private readonly dbName: string,
  ) {}

  async start(): Promise<void> {
    this.connection = await mongoose.createConnection(this.mongoUrl, { dbName: this.dbName }).asPromise();
  }

  /** `total` inserts of `doc` (a fresh `_id` each) from `concurrency` callers. */
  async inserts(doc: Record<string, unknown>, total: number, concurrency: number) {
    const model = this.connection!.model('FloorRun', new Schema({ _id: String }, { strict: false, versionKey: false }), 'floor_runs');
    return closedLoop(total, concurrency, () => model.create({ ...doc, _id: randomUUID() }));
  }

  async stop(): Promise<void> {
    await this.connection?.dropDatabase();
    await this.connection?.close();
  }
}
