import { metrics } from '@opentelemetry/api';
import type { EventEnvelope, EventPublisher } from '@tenantatlas/kafka';
import type { Logger } from 'pino';
import type { SecurityEventSink } from '../../app/ports';

/**
 * Denials are published without delaying the answer; one lost while Kafka is down is logged
 * (with the same fields) so the refusal is never silent.
 */
export class KafkaSecurityEvents implements SecurityEventSink {
  private readonly pending = new Set<Promise<void>>();
  private readonly denied = metrics.getMeter('gateway').createCounter('tenantatlas_gateway_access_denied_total', {
    description: 'requests refused by workspace/tenant isolation or a missing capability',
  });

  constructor(
    private readonly publisher: EventPublisher,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {}

  publish(event: EventEnvelope): void {
    this.denied.add(1, { reason: String(event.data.reasonCode ?? 'unknown') });
    this.logger.info({ type: event.type, workspaceId: event.workspaceId, actor: event.actor, data: event.data }, 'access denied');
    const sending = this.publisher
      .publish([{ topic: this.topic, event }])
      .catch((err: unknown) => this.logger.warn({ err, eventId: event.id, type: event.type }, 'security event not published'))
      .finally(() => this.pending.delete(sending));
    this.pending.add(sending);
  }

  /** Waits for in-flight sends at shutdown. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
