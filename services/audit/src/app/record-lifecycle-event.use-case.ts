import { entryFromEvent, type LifecycleEvent } from '../domain/audit-entry';
import { recordsCounter } from '../metrics';
import type { AppendRecord } from './append-record.use-case';
import type { DeadLetter, DeadLetterSink } from './ports';

export type RecordResult = 'appended' | 'duplicate' | 'dead-lettered';

/**
 * One lifecycle event → at most one audit record. An envelope that validated but still cannot be
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
    const result = entryFromEvent(event, this.now());
    if (!result.ok) {
      await this.deadLetters.send(origin, result.reason);
      return 'dead-lettered';
    }
    const appended = await this.append.execute(result.entry);
    recordsCounter().add(1, { action: result.entry.action, result: appended.status });
    return appended.status;
  }
}
