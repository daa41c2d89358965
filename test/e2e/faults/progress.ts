/** What is going on, on stderr, so a long run shows where it is; and the windows of each fault. */
export interface FaultWindow {
  name: string;
  /** when the fault took effect (the process was killed, the broker or database stopped) */
  start: number;
  /** when it was lifted (the process serves again, the broker or database started again) */
  end?: number;
  /** when the fault itself was over but recovery was not: e.g. the broker asked to start */
  liftedAt?: number;
}

export class Progress {
  readonly startedAt = Date.now();
  readonly windows: FaultWindow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private current: FaultWindow | undefined;

  constructor(private readonly counters: () => string) {}

  log(message: string): void {
    process.stderr.write(`[faults +${this.elapsed()}] ${message}\n`);
  }

  elapsed(at = Date.now()): string {
    return `${((at - this.startedAt) / 1000).toFixed(1)}s`;
  }

  start(everyMs = 3_000): void {
    this.timer = setInterval(() => this.log(`${this.counters()} | fault: ${this.describeCurrent()}`), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  begin(name: string): FaultWindow {
    const window: FaultWindow = { name, start: Date.now() };
    this.windows.push(window);
    this.current = window;
    this.log(`fault begins: ${name}`);
    return window;
  }

  end(window: FaultWindow): void {
    window.end = Date.now();
    if (this.current === window) this.current = undefined;
    this.log(`fault over: ${window.name} (${((window.end - window.start) / 1000).toFixed(1)} s)`);
  }

  private describeCurrent(): string {
    if (!this.current) return 'none';
    return `${this.current.name} for ${((Date.now() - this.current.start) / 1000).toFixed(1)} s`;
  }
}
