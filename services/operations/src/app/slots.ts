/** Bounds how many runs one worker process executes at once (WORKER_CONCURRENCY). */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used = Math.max(0, this.used - 1);
  }

  get inUse(): number {
    return this.used;
  }
}
