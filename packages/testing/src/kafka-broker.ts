import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { onFreePorts, REPO_ROOT, uniqueName, waitFor } from './index';
import { killInfraProcess } from './infra-process';

const run = promisify(execFile);

/**
 * A Kafka broker of a test's own, for tests that stop and restart the broker (outbox, retries)
 * without disturbing the suite's shared broker. Uses the same install as `npm test`.
 */
export class DedicatedKafkaBroker {
  readonly instance = uniqueName('kafka');
  private port = 0;
  /** the KRaft controller's listener: a second port, reserved with the broker's */
  private controllerPort = 0;

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /**
   * The first start takes two free ports (broker and controller) and, if another process bound
   * one of them first, starts again on new ones; later starts reuse them, because the clients
   * already know the broker's address.
   */
  async start(): Promise<void> {
    if (this.port) await this.script('start');
    else {
      await onFreePorts(2, async ([port, controllerPort]) => {
        this.port = port!;
        this.controllerPort = controllerPort!;
        await this.script('start').catch(async (err: unknown) => {
          await this.script('reset').catch(() => undefined);
          this.port = 0;
          throw err;
        });
      });
    }
    await waitFor(() => this.answers(), { timeoutMs: 60_000, intervalMs: 300, what: 'dedicated Kafka broker' });
  }

  /** Stops the broker process; its data stays, so `start` brings back the same topics and offsets. */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** SIGKILLs the broker (a crash); `start` brings it back on the same data and port. */
  async kill(): Promise<void> {
    await killInfraProcess(this.instance, 'kafka');
  }

  async destroy(): Promise<void> {
    await this.script('reset');
  }

  private async answers(): Promise<boolean> {
    const admin = new Kafka({ brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1_000 }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async script(command: string): Promise<void> {
    await run('bash', [path.join(REPO_ROOT, 'scripts', 'infra', 'kafka.sh'), command], {
      env: { ...process.env, INFRA_INSTANCE: this.instance, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort) },
      cwd: REPO_ROOT,
    });
  }
}
