import type { Logger } from 'pino';
import { ConfigError, createLogger, withTimeout } from '@tenantatlas/core';
import { compactAtRest } from './rest-compaction';
import { stopTelemetry } from './telemetry';

type Stop = () => Promise<void> | void;

/**
 * Keeps the stop functions of a service's long-lived parts in start order and runs them in
 * reverse: the transports that take work stop first, the stores they write to stop last, so no
 * in-flight call loses its database or producer underneath it.
 */
export class ServiceLifecycle {
  private readonly parts: { name: string; stop: Stop }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger, private readonly timeoutMs = 10_000) {}

  add(name: string, stop: Stop): void {
    this.parts.push({ name, stop });
  }

  shutdown(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info({ reason }, 'shutting down');
      for (const part of [...this.parts].reverse()) {
        try {
          await withTimeout(Promise.resolve(part.stop()), this.timeoutMs);
        } catch (err) {
          this.logger.warn({ err, part: part.name }, 'part did not stop cleanly');
        }
      }
    })();
    return this.stopping;
  }
}

/**
 * Entry point of every service process: builds the logger, runs `start`, and turns SIGTERM/SIGINT
 * into an orderly shutdown. A bad configuration prints the offending variables and exits 1 without
 * a stack trace.
 */
export function runService(
  name: string,
  start: (ctx: { logger: Logger; lifecycle: ServiceLifecycle }) => Promise<void>,
): void {
  const logger = createLogger(name, process.env.LOG_LEVEL ?? 'info');
  const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
  const lifecycle = new ServiceLifecycle(logger, shutdownTimeoutMs);
  const stop = (signal: string) => {
    lifecycle
      .shutdown(signal)
      // bounded like every part: flushing telemetry must not keep a stopped process from exiting
      .then(() => withTimeout(stopTelemetry(), shutdownTimeoutMs))
      .catch((err: unknown) => logger.warn({ err, part: 'telemetry' }, 'part did not stop cleanly'))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  start({ logger, lifecycle }).then(
    () => {
      logger.info('started');
      const compaction = compactAtRest();
      lifecycle.add('heap compaction at rest', () => compaction.stop());
    },
    async (err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`${name}: ${err.message}\n`);
      } else {
        logger.fatal({ err }, 'failed to start');
      }
      await lifecycle.shutdown('start failed');
      process.exit(1);
    },
  );
}
