import { entryFromEvent, type AuditEntry, type LifecycleEvent } from '../domain/audit-entry';
import { recordsCounter } from '../metrics';
import type { AppendRecord } from './append-record.use-case';
import type { DeadLetter, DeadLetterSink } from './ports';

export type RecordResult = 'appended' | 'duplicate' | 'dead-lettered';

export interface DeliveredLifecycleEvent {
  event: LifecycleEvent;
  /** where the event came from and the message to dead-letter it as */
  origin: DeadLetter;
}

/**
 * Lifecycle events → at most one audit record each. An envelope that validated but still cannot be
 * an audit record (a type outside the `tenantatlas.<service>.<object>.<verb>` vocabulary) goes to
 * the dead-letter topic like an unparsable message, so the partition keeps moving.
 */
export class RecordLifecycleEvent {
  constructor(
    private readonly append: AppendRecord,
    private readonly deadLetters: DeadLetterSink,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `origin`: where the event came from and the message to dead-letter it as */
  async execute(event: LifecycleEvent, origin: DeadLetter): Promise<RecordResult> {
    return (await this.executeBatch([{ event, origin }]))[0]!;
  }

  /** A delivered batch: every workspace's entries are appended together, in delivery order. */
  async executeBatch(delivered: readonly DeliveredLifecycleEvent[]): Promise<RecordResult[]> {
    const results: RecordResult[] = new Array(delivered.length);
    const entries: AuditEntry[] = [];
    const positions: number[] = [];
    const recordedAt = this.now();
    for (const [i, { event, origin }] of delivered.entries()) {
      const result = entryFromEvent(event, recordedAt);
      if (result.ok) {
        entries.push(result.entry);
        positions.push(i);
        continue;
      }
      await this.deadLetters.send(origin, result.reason);
      results[i] = 'dead-lettered';
    }
    const appended = await this.append.executeBatch(entries);
    appended.forEach((outcome, k) => {
      recordsCounter().add(1, { action: entries[k]!.action, result: outcome.status });
      results[positions[k]!] = outcome.status;
    });
    return results;
  }
}
