import { consumerLag } from '@tenantatlas/kafka';
import type { Admin, Kafka } from 'kafkajs';
import type { ConsumerLagSource, LagReading } from '../../app/ports';

/**
 * Reads the audit consumer group's lag per partition from the broker, on demand (the Prometheus
 * gauge `tenantatlas_kafka_consumer_lag` comes from the shared plumbing).
 */
export class KafkaConsumerLag implements ConsumerLagSource {
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: string[],
  ) {}

  async stop(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
  }

  async read(): Promise<LagReading[]> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.admin.catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return consumerLag(admin, this.groupId, this.topics);
  }
}
