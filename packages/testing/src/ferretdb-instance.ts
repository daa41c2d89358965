import fs from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import { REPO_ROOT } from './index';
import { DedicatedInfraProcess } from './infra-process';

/**
 * A FerretDB of a test's own, for tests that stop and restart the database (fault injection)
 * without disturbing the suite's shared one.
 */
export class DedicatedFerretDB extends DedicatedInfraProcess {
  constructor() {
    super('ferretdb', 1, 'dedicated FerretDB');
  }

  /** `mongodb://127.0.0.1:<port>/` (the port is chosen at the first `start`) */
  get url(): string {
    return `mongodb://127.0.0.1:${this.ports[0] ?? 0}/`;
  }

  /** Stops it and deletes its data and instance folder. */
  async destroy(): Promise<void> {
    await this.script('reset');
    await fs.rm(path.join(REPO_ROOT, '.run', this.instance), { recursive: true, force: true });
  }

  protected async answers(): Promise<boolean> {
    const connection = mongoose.createConnection(this.url, { serverSelectionTimeoutMS: 1_000 });
    return this.answersWith(
      () => connection.close(),
      async () => {
        await connection.asPromise();
        await connection.db?.admin().command({ ping: 1 });
      },
    );
  }

  protected portEnv(): Record<string, string> {
    return { MONGO_PORT: String(this.ports[0] ?? 0) };
  }
}
