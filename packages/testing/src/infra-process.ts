import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { onFreePorts, REPO_ROOT, uniqueName, waitFor } from './index';

const run = promisify(execFile);

/**
 * A killed process that nobody reaped yet is a zombie: it holds no port, file or lock any more —
 * once its last thread is gone (a JVM's main thread shows as a zombie while the others still tear
 * down, holding its sockets).
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') && fs.readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs a process an infra script started (`scripts/infra/<name>.sh`, pid file under
 * `.run/<instance>/`) and waits until it is gone: a crash, where `<name>.sh stop` would shut it
 * down in order. Its data stays, so `<name>.sh start` recovers from what the crash left.
 */
export async function killInfraProcess(instance: string, name: 'kafka' | 'ferretdb'): Promise<void> {
  const pidFile = path.join(REPO_ROOT, '.run', instance, `${name}.pid`);
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${pidFile}`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(() => isGone(pid), { timeoutMs: 30_000, intervalMs: 50, what: `${name} (pid ${pid}) to die` });
  fs.rmSync(pidFile, { force: true });
}

/**
 * A Kafka or FerretDB of a test's own (`scripts/infra/<name>.sh`, the same runner as `npm test`,
 * with its own INFRA_INSTANCE and ports), for tests that stop, kill and restart it without
 * disturbing the suite's shared one.
 */
export abstract class DedicatedInfraProcess {
  readonly instance: string;
  /** chosen at the first `start` and kept: the clients already know the address */
  protected ports: number[] = [];

  protected constructor(
    private readonly name: 'kafka' | 'ferretdb',
    private readonly portCount: number,
    private readonly what: string,
  ) {
    this.instance = uniqueName(name);
  }

  /**
   * The first start takes free ports and, if another process bound one of them first, starts
   * again on new ones; later starts reuse them.
   */
  async start(): Promise<void> {
    if (this.ports.length > 0) await this.script('start');
    else {
      await onFreePorts(this.portCount, async (ports) => {
        this.ports = ports;
        await this.script('start').catch(async (err: unknown) => {
          await this.afterFailedStart();
          this.ports = [];
          throw err;
        });
      });
    }
    await waitFor(() => this.answers(), { timeoutMs: 60_000, intervalMs: 300, what: this.what });
  }

  /** Stops the process; its data stays, so `start` brings back the same state. */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** SIGKILLs the process (a crash); `start` brings it back on the same data and ports. */
  async kill(): Promise<void> {
    await killInfraProcess(this.instance, this.name);
  }

  /** whether a client gets an answer now */
  protected abstract answers(): Promise<boolean>;

  /** Whether `check` passes on a fresh client, which is closed either way. */
  protected async answersWith(close: () => Promise<unknown>, check: () => Promise<unknown>): Promise<boolean> {
    try {
      await check();
      return true;
    } catch {
      return false;
    } finally {
      await close().catch(() => undefined);
    }
  }

  /** the script's port variables */
  protected abstract portEnv(): Record<string, string>;

  /** what a start that lost its ports leaves to clean before the next try */
  protected async afterFailedStart(): Promise<void> {}

  protected async script(command: string): Promise<void> {
    await run('bash', [path.join(REPO_ROOT, 'scripts', 'infra', `${this.name}.sh`), command], {
      env: { ...process.env, INFRA_INSTANCE: this.instance, ...this.portEnv() },
      cwd: REPO_ROOT,
    });
  }
}
