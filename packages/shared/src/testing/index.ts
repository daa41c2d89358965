/**
 * Fixtures for integration tests: they run against the real Kafka and FerretDB that `npm test`
 * starts (or whatever KAFKA_BROKERS / MONGO_URL point at) and against real service processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkHealth } from '../grpc/health';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface TestInfra {
  kafkaBrokers: string[];
  mongoUrl: string;
}

export function testInfra(): TestInfra {
  const { KAFKA_BROKERS, MONGO_URL } = process.env;
  if (!KAFKA_BROKERS || !MONGO_URL) {
    throw new Error('integration tests need KAFKA_BROKERS and MONGO_URL: run them through `npm test`');
  }
  return { kafkaBrokers: KAFKA_BROKERS.split(','), mongoUrl: MONGO_URL };
}

/** A short random name so every test gets its own database, topics and consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A response body as JSON, or undefined when it is empty or not JSON (tests look at both). */
export function jsonOrUndefined(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export interface ServiceProcess {
  name: string;
  port: number;
  address: string;
  child: ChildProcess;
  /** everything the process printed so far */
  output(): string;
  /** resolves with the exit code (or signal name) when the process ends */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartServiceOptions {
  env?: Record<string, string>;
  /** port to listen on; a free one by default */
  port?: number;
  /** wait for gRPC health (default) or for an HTTP GET on this path to answer 200 */
  readiness?: { grpc: true } | { httpPath: string } | { none: true };
  portVariable?: string;
  timeoutMs?: number;
}

/** Starts `services/<name>/dist/main.js` as a real process, the way the dev stack does. */
export async function startService(name: string, options: StartServiceOptions = {}): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const portVariable = options.portVariable ?? 'GRPC_PORT';
  const logDir = path.join(REPO_ROOT, '.run', 'test-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = fs.createWriteStream(path.join(logDir, `${name}-${port}.log`));
  const child = spawn(
    process.execPath,
    ['--require', '@tenantatlas/shared/telemetry-register', path.join(REPO_ROOT, 'services', name, 'dist', 'main.js')],
    {
      cwd: path.join(REPO_ROOT, 'services', name),
      env: { ...process.env, OTEL_SERVICE_NAME: name, LOG_LEVEL: 'info', ...options.env, [portVariable]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    logFile.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      logFile.end();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const handle: ServiceProcess = {
    name,
    port,
    address: `127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal);
      return exited;
    },
  };
  const readiness = options.readiness ?? { grpc: true };
  try {
    await waitFor(
      async () => {
        if (hasExited) throw new Error(`${name} exited:\n${output.slice(-2000)}`);
        if ('none' in readiness) return true;
        if ('grpc' in readiness) return (await checkHealth(handle.address)) === 'SERVING';
        const res = await fetch(`http://${handle.address}${readiness.httpPath}`);
        return res.ok;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 150, what: `${name} to become healthy` },
    );
  } catch (err) {
    await handle.stop('SIGKILL');
    throw new Error(`${String(err)}\n--- ${name} output ---\n${output.slice(-3000)}`);
  }
  return handle;
}
export * from './kafka-broker';
export * from './system-stack';
export * from './run-completions';
export * from './ferretdb-instance';
export * from './credential-keys';
export * from './tenant-owner';
