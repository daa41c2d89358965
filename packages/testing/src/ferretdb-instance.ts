import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { onFreePorts, REPO_ROOT, uniqueName, waitFor } from './index';
import { killInfraProcess } from './infra-process';

const run = promisify(execFile);

/**
 * A FerretDB of a test's own, for tests that stop and restart the database (fault injection)
 * without disturbing the suite's shared one. Uses the same runner as `npm test`
 * (`scripts/infra/ferretdb.sh` with its own INFRA_INSTANCE and MONGO_PORT).
 */
export class DedicatedFerretDB {
  readonly instance = uniqueName('ferretdb');
  private port = 0;

  /** `mongodb://127.0.0.1:<port>/` (the port is chosen at the first `start`) */
  get url(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  /**
   * The first start takes a free port and, if another process bound it first, starts again on a
   * new one; later starts reuse it, because the clients already know the address.
   */
  async start(): Promise<void> {
    if (this.port) await this.script('start');
    else {
      await onFreePorts(1, async ([port]) => {
        this.port = port!;
        await this.script('start').catch((err: unknown) => {
          this.port = 0;
          throw err;
        });
      });
    }
    await waitFor(() => this.answers(), { timeoutMs: 60_000, intervalMs: 300, what: 'dedicated FerretDB' });
  }

  /** Stops the database process; its data stays, so `start` brings back the same databases. */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** SIGKILLs the database (a crash); `start` brings it back on the same data and port. */
  async kill(): Promise<void> {
    await killInfraProcess(this.instance, 'ferretdb');
  }

  /** Stops it and deletes its data and instance folder. */
  async destroy(): Promise<void> {
    await this.script('reset');
    await fs.rm(path.join(REPO_ROOT, '.run', this.instance), { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    const connection = mongoose.createConnection(this.url, { serverSelectionTimeoutMS: 1_000 });
    try {
      await connection.asPromise();
      await connection.db?.admin().command({ ping: 1 });
      return true;
    } catch {
      return false;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private async script(command: string): Promise<void> {
    await run('bash', [path.join(REPO_ROOT, 'scripts', 'infra', 'ferretdb.sh'), command], {
      env: { ...process.env, INFRA_INSTANCE: this.instance, MONGO_PORT: String(this.port) },
      cwd: REPO_ROOT,
    });
  }
}
