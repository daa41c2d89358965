import type { ConsumerLagSource, DeadLetterSink, LagReading } from './ports';

export interface IngestStatus {
  lag: LagReading[];
  totalLag: number;
  deadLettered: number;
}

/** How far behind the lifecycle topics audit is, and how much it could not record. */
export class GetIngestStatus {
  constructor(
    private readonly lag: ConsumerLagSource,
    private readonly deadLetters: DeadLetterSink,
  ) {}

  async execute(): Promise<IngestStatus> {
    const [lag, deadLettered] = await Promise.all([this.lag.read(), this.deadLetters.count()]);
    return { lag, totalLag: lag.reduce((sum, p) => sum + p.lag, 0), deadLettered };
  }
}
