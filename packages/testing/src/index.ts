/**
 * Fixtures for integration tests: they run against the real Kafka and FerretDB that `npm test`
 * starts (or whatever KAFKA_BROKERS / MONGO_URL point at) and against real service processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkHealth } from '@tenantatlas/grpc';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

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

/** ports this process handed out already: the kernel may offer a just-closed port again */
const handedOut = new Set<number>();

/**
 * `count` distinct ports that nobody listened on a moment ago, all chosen at once (each is held
 * until every one is found) and none handed out before by this process. Another process may
 * still bind one before ours does: start processes on them through `onFreePorts`.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      held.push(server);
      const { port } = server.address() as net.AddressInfo;
      if (!handedOut.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  for (const port of ports) handedOut.add(port);
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** How a process that lost the race for its port fails: the kernel's EADDRINUSE, Kafka's and the infra scripts' words for it. */
export function lostPortRace(err: unknown): boolean {
  return /EADDRINUSE|address already in use|is in use by another process|No address added out of total/i.test(String((err as Error)?.message ?? err));
}

/**
 * Runs `start` on `count` fresh free ports; when it fails because another process took one of
 * them between the choice and the bind, runs it again on new ones.
 */
export async function onFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count));
    } catch (err) {
      if (attempt >= attempts || !lostPortRace(err)) throw err;
    }
  }
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

/**
 * Starts `services/<name>/dist/main.js` as a real process, the way the dev stack does. Without a
 * given port it takes a free one, and another if a process took that one first.
 */
export async function startService(name: string, options: StartServiceOptions = {}): Promise<ServiceProcess> {
  if (options.port !== undefined) return startServiceOn(name, options.port, options);
  return onFreePorts(1, ([port]) => startServiceOn(name, port!, options));
}

async function startServiceOn(name: string, port: number, options: StartServiceOptions): Promise<ServiceProcess> {
  const portVariable = options.portVariable ?? 'GRPC_PORT';
  const logDir = path.join(REPO_ROOT, '.run', 'test-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = fs.createWriteStream(path.join(logDir, `${name}-${port}.log`));
  // the memory settings of the container image (docs/benchmarks.md, "Idle memory")
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', '--require', '@tenantatlas/runtime/telemetry-register', path.join(REPO_ROOT, 'services', name, 'dist', 'main.js')],
    {
      cwd: path.join(REPO_ROOT, 'services', name),
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '4194304', OTEL_SERVICE_NAME: name, LOG_LEVEL: 'info', ...options.env, [portVariable]: String(port) },
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
        // an exit ends the wait at once (e.g. it lost the race for its port)
        if (hasExited || 'none' in readiness) return true;
        if ('grpc' in readiness) return (await checkHealth(handle.address)) === 'SERVING';
        const res = await fetch(`http://${handle.address}${readiness.httpPath}`);
        return res.ok;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 150, what: `${name} to become healthy` },
    );
    if (hasExited) throw new Error(`${name} exited`);
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
export * from './service-fixtures';
export * from './replica-calls';
