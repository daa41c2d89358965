/**
 * The whole system as real processes: the provider simulator, the four backend services (optionally
 * several replicas of operations and of audit, and worker-only operations processes) and the
 * gateway, on free ports, with their own databases and topic prefix. Used by the browser tests, the
 * e2e journeys, the fault injection and the system benchmark. Each process can be killed and
 * started again on the same port and env, and the whole stack stopped and started again on the same
 * data (with the same credential keys).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { testCredentialKeys } from './credential-keys';
import { freePort, freePorts, lostPortRace, REPO_ROOT, startService, uniqueName, waitFor, type ServiceProcess, type StartServiceOptions } from './index';

export type BackendName = 'onboarding' | 'connections' | 'operations' | 'audit';
/** the backends whose callers spread their calls over a list of addresses (packages/grpc `peerTarget`) */
export type ReplicatedBackend = 'operations' | 'audit';
/** a replica after the first is `<backend>-<n>` (n ≥ 2); the first keeps the backend's name */
export type ProcessName = BackendName | `${ReplicatedBackend}-${number}` | 'gateway' | `worker-${number}`;

/** the process names of a backend's replicas: `operations`, `operations-2`, … */
export function replicaNames(backend: BackendName, count: number): ProcessName[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? backend : (`${backend}-${i + 1}` as ProcessName)));
}

export interface StackOptions {
  /** names the databases and topic prefix (a random suffix is added) */
  name?: string;
  /** extra operations processes with OPERATIONS_ROLE=worker (the main one keeps role `all` unless `operationsRole` says otherwise) */
  workerReplicas?: number;
  operationsRole?: 'all' | 'api';
  /**
   * processes of operations (each with `operationsRole`) and of audit, each on its own gRPC and
   * metrics port; every caller gets all their addresses (default 1 each)
   */
  replicas?: Partial<Record<ReplicatedBackend, number>>;
  /** override the infrastructure (e.g. a dedicated broker a test may stop) */
  kafkaBrokers?: string;
  mongoUrl?: string;
  /** env added to every process, then per process name (`worker` applies to every worker replica) */
  env?: Record<string, string>;
  envOf?: Partial<Record<BackendName | 'gateway' | 'worker', Record<string, string>>>;
  logLevel?: string;
}

export interface Simulator {
  url: string;
  /** calls the simulator's control API (`/_sim/...`) */
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Stack {
  gatewayUrl: string;
  admin: { email: string; password: string };
  simulator: Simulator;
  /** topic prefix and database prefix of this stack */
  prefix: string;
  process(name: ProcessName): ServiceProcess;
  processes(): ServiceProcess[];
  /** SIGKILL (or the given signal) and start again with the same port and env */
  restart(name: ProcessName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  /** stops every process and the simulator at once with the signal; `resume` starts them again */
  halt(signal: NodeJS.Signals): Promise<void>;
  /** starts every process and the simulator again on the same ports, env, databases and keys */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The provider simulator as its own process: on `port` when given (a restart on the same address),
 * otherwise on a port it binds itself and prints (no race for a port).
 */
export async function startSimulator(port = 0): Promise<Simulator> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'tools/provider-simulator/dist/main.js')], {
    env: { ...process.env, SIMULATOR_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let printed = '';
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const url = await waitFor(() => /"url":"(http:[^"]+)"/.exec(printed)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error('the provider simulator exited')) : undefined), {
    what: 'the provider simulator to listen',
  });
  await waitFor(() => fetch(`${url}/_sim/health`).then((r) => r.ok, () => false), { what: 'the provider simulator' });
  return {
    url,
    async control(method, controlPath, body) {
      const res = await fetch(`${url}/_sim${controlPath}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`simulator ${method} ${controlPath}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    stop: async (signal = 'SIGTERM') => (child.kill(signal), await exited),
  };
}

/** ports for the replicas of one backend */
function replicaPorts(backend: ReplicatedBackend, count = 1): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`replicas.${backend} must be a positive integer (got ${count})`);
  return freePorts(count);
}

interface Spec {
  service: string;
  options: StartServiceOptions & { port: number };
}

/** The whole stack on free ports; if a process lost the race for its port, all of it again on new ones. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchStack(options);
    } catch (err) {
      if (attempt >= 3 || !lostPortRace(err)) throw err;
    }
  }
}

async function launchStack(options: StackOptions): Promise<Stack> {
  const run = uniqueName(options.name ?? 'sys');
  const infra = {
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
    ...(options.mongoUrl ? { MONGO_URL: options.mongoUrl } : {}),
  };
  // METRICS_PORT 0: every process scrapeable on a port of its own (replicas would collide on the default)
  const common = { ...infra, KAFKA_TOPIC_PREFIX: `${run}.`, LOG_LEVEL: options.logLevel ?? 'info', METRICS_PORT: '0', ...options.env };
  const db = (service: string) => ({ MONGO_DB: `${run}_${service}`.replace(/-/g, '_') });
  const ports: Record<BackendName, number[]> = {
    onboarding: [await freePort()],
    connections: [await freePort()],
    operations: await replicaPorts('operations', options.replicas?.operations),
    audit: await replicaPorts('audit', options.replicas?.audit),
  };
  const addr = (backend: BackendName) => ports[backend].map((port) => `127.0.0.1:${port}`).join(',');
  const downstream = {
    ONBOARDING_GRPC_ADDR: addr('onboarding'),
    CONNECTIONS_GRPC_ADDR: addr('connections'),
    OPERATIONS_GRPC_ADDR: addr('operations'),
    AUDIT_GRPC_ADDR: addr('audit'),
  };
  const envOf = options.envOf ?? {};
  let simulator = await startSimulator();
  const simulatorPort = Number(new URL(simulator.url).port);
  // one key for the stack's life: connections opens after a restart what it sealed before
  const credentialKeys = { CONNECTIONS_ENCRYPTION_KEYS: testCredentialKeys('stack-k1') };
  const admin = { email: 'admin@example.test', password: 'admin-password-1' };

  const specs = new Map<ProcessName, Spec>();
  const backend = (name: BackendName, env: Record<string, string>) =>
    replicaNames(name, ports[name].length).forEach((replica, i) =>
      specs.set(replica, { service: name, options: { port: ports[name][i]!, env: { ...common, ...db(name), ...env, ...envOf[name] } } }),
    );
  backend('connections', { ONBOARDING_GRPC_ADDR: downstream.ONBOARDING_GRPC_ADDR, MICROSOFT_LOGIN_BASE_URL: simulator.url, MICROSOFT_GRAPH_BASE_URL: simulator.url, ...credentialKeys });
  const operationsEnv = { ...downstream, SWEEP_INTERVAL_MS: '500' };
  backend('operations', { ...operationsEnv, OPERATIONS_ROLE: options.operationsRole ?? 'all' });
  backend('onboarding', downstream);
  backend('audit', {});
  for (let i = 1; i <= (options.workerReplicas ?? 0); i++) {
    specs.set(`worker-${i}`, {
      service: 'operations',
      options: { port: await freePort(), env: { ...common, ...db('operations'), ...operationsEnv, ...envOf.worker, OPERATIONS_ROLE: 'worker', WORKER_ID: `${run}-worker-${i}` } },
    });
  }
  specs.set('gateway', {
    service: 'gateway',
    options: {
      port: await freePort(),
      portVariable: 'HTTP_PORT',
      readiness: { httpPath: '/readyz' },
      env: { ...common, ...db('gateway'), ...downstream, GATEWAY_SEED_ADMIN_EMAIL: admin.email, GATEWAY_SEED_ADMIN_PASSWORD: admin.password, ...envOf.gateway },
    },
  });

  const running = new Map<ProcessName, ServiceProcess>();
  const launch = async (name: ProcessName) => {
    const spec = specs.get(name)!;
    running.set(name, await startService(spec.service, { timeoutMs: 120_000, ...spec.options }));
    return running.get(name)!;
  };
  const stopAll = async (signal?: NodeJS.Signals) => {
    await Promise.all([...[...running.values()].map((p) => p.stop(signal)), simulator.stop(signal)]);
  };
  const launchAll = async () => {
    // the gateway last: its readiness needs nothing else, but its routes do
    const names = [...specs.keys()].filter((n) => n !== 'gateway');
    await Promise.all(names.map(launch));
    await launch('gateway');
  };
  try {
    await launchAll();
  } catch (err) {
    await stopAll('SIGKILL');
    throw err;
  }
  const gateway = running.get('gateway')!;
  return {
    gatewayUrl: `http://${gateway.address}`,
    admin,
    get simulator() {
      return simulator;
    },
    prefix: run,
    process: (name) => {
      const found = running.get(name);
      if (!found) throw new Error(`no process ${name} in this stack`);
      return found;
    },
    processes: () => [...running.values()],
    async restart(name, signal = 'SIGKILL') {
      await running.get(name)?.stop(signal);
      return launch(name);
    },
    halt: (signal) => stopAll(signal),
    async resume() {
      simulator = await startSimulator(simulatorPort);
      await launchAll();
    },
    stop: () => stopAll(),
  };
}
