/** Bounds how many runs one worker process executes at once (WORKER_CONCURRENCY). */
export class Slots {
  private used = 0;
  private closed = false;
  private readonly waiting: ((granted: boolean) => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves true with a slot, or false once the slots are closed (the process is stopping). */
  async acquire(): Promise<boolean> {
    if (this.closed) return false;
    if (this.used < this.size) {
      this.used++;
      return true;
    }
    return new Promise<boolean>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.used = Math.max(0, this.used - 1);
  }

  /** No slot is handed out any more; whoever waits for one is told so at once. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(false);
  }

  get inUse(): number {
    return this.used;
  }
}
