/** One line per step on stderr (shown live in the CI log), with the time since the test began. */
export class Steps {
  private readonly startedAt = Date.now();

  constructor(private readonly tag: string) {}

  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  log(message: string): void {
    process.stderr.write(`[${this.tag} +${this.elapsedSeconds().toFixed(1)}s] ${message}\n`);
  }

  /** Logs the step, runs it, and logs how long it took. */
  async run<T>(what: string, step: () => Promise<T>): Promise<T> {
    this.log(`${what}…`);
    const begun = Date.now();
    const result = await step();
    this.log(`${what}: done in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    return result;
  }
}
