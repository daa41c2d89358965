import { Kafka, logLevel } from 'kafkajs';
import { DedicatedInfraProcess } from './infra-process';

/**
 * A Kafka broker of a test's own, for tests that stop and restart the broker (outbox, retries)
 * without disturbing the suite's shared broker. It takes two ports: the broker's and its KRaft
 * controller's.
 */
export class DedicatedKafkaBroker extends DedicatedInfraProcess {
  constructor() {
    super('kafka', 2, 'dedicated Kafka broker');
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.ports[0] ?? 0}`];
  }

  async destroy(): Promise<void> {
    await this.script('reset');
  }

  /** a start that failed is reset before the next try on new ports */
  protected override async afterFailedStart(): Promise<void> {
    await this.script('reset').catch(() => undefined);
  }

  protected async answers(): Promise<boolean> {
    const admin = new Kafka({ brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1_000 }).admin();
    return this.answersWith(
      () => admin.disconnect(),
      async () => {
        await admin.connect();
        await admin.describeCluster();
      },
    );
  }

  protected portEnv(): Record<string, string> {
    return { KAFKA_PORT: String(this.ports[0] ?? 0), KAFKA_CONTROLLER_PORT: String(this.ports[1] ?? 0) };
  }
}
