import type { ConsumerLagSource, DeadLetterSink, LagReading } from './ports';

export interface IngestStatus {
  lag: LagReading[];
  totalLag: number;
  deadLettered: number;
}

/** How far behind the lifecycle topics audit is, and how much it could not record. */
export class GetIngestStatusUseCase {
  constructor(private readonly deps: { lag: ConsumerLagSource; deadLetters: DeadLetterSink }) {}

  async execute(_command: Record<string, never> = {}): Promise<IngestStatus> {
    const [lag, deadLettered] = await Promise.all([this.deps.lag.read(), this.deps.deadLetters.count()]);
    return { lag, totalLag: lag.reduce((sum, p) => sum + p.lag, 0), deadLettered };
  }
}
