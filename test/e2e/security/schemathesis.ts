/**
 * Runs schemathesis (installed by scripts/lib/python-tools.sh into .cache/python-tools) against an
 * OpenAPI document and reads back what it did: how many cases, every response status, the failures.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '@tenantatlas/testing';

export interface FuzzOptions {
  schemaUrl: string;
  baseUrl: string;
  headers: Record<string, string>;
  /**
   * bearer tokens per security scheme of the document: schemathesis sends them and knows them as
   * the credentials, so its `ignored_auth` check can leave them out and expect a 401
   */
  bearerAuth?: Record<string, string>;
  /** generated cases per operation (schemathesis's --max-examples) */
  maxExamplesPerOperation: number;
  workers: number;
  phases: string[];
  /** operations to leave out, as path regexes (e.g. an endless event stream) */
  excludePathRegex?: string;
  /** fixed values for parameters, e.g. `{ 'path.workspaceId': 'w1' }` */
  fixed?: Record<string, string>;
  /** values drawn with the given probability (otherwise generated), e.g. real ids for `path.tenantId` */
  pools?: Record<string, Pool>;
  /** per operation (`METHOD /path`): its own pools, its own number of fuzzing-phase cases */
  perOperation?: Record<string, { pools?: Record<string, Pool>; maxExamples?: number; positiveDataAlsoAccepts?: number[] }>;
  /** only these operations (by operationId); all when unset */
  operationIds?: string[];
  seed: number;
  /** schemathesis checks to run on every response; all of them unless set */
  checks?: string[];
  /** statuses a schema-valid request may meet besides 2xx/401/403/404/409/429 (e.g. 422: the state forbids it) */
  positiveDataAlsoAccepts?: number[];
  requestTimeoutSeconds: number;
  reportDir: string;
}

export interface Pool {
  values: string[];
  probability: number;
}

export interface FuzzCase {
  /** `METHOD /path/{template}` */
  operation: string;
  phase: string;
  method: string;
  url: string;
  requestHeaders: Record<string, string[]>;
  requestBody?: string;
  status: number | null;
  responseBody: string;
}

/** A shell command that sends the same request again. */
export function curlOf(c: FuzzCase): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const headers = Object.entries(c.requestHeaders).flatMap(([k, vs]) => vs.map((v) => `-H ${q(`${k}: ${v}`)}`));
  return ['curl -sS -i -X', c.method, ...headers, ...(c.requestBody !== undefined ? ['--data-binary', q(c.requestBody)] : []), q(c.url)].join(' ');
}

export interface FuzzResult {
  exitCode: number;
  seconds: number;
  /** schemathesis's own count of generated cases (JSON report) */
  generated: number;
  /** one entry per request schemathesis sent (NDJSON events) */
  cases: FuzzCase[];
  statuses: Record<string, number>;
  operationsTested: number;
  /** check verdicts on responses (every check on every response counts once) */
  checksRun: number;
  /** `check on METHOD /path: title (n×)`, one per distinct failure */
  failures: string[];
  errors: unknown[];
  stdout: string;
  command: string;
}

export function schemathesisBin(): string {
  const fromEnv = process.env.SCHEMATHESIS_BIN;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  // Idempotent and offline when cached: npm test runs it before jest; a bare `npx jest` gets it here.
  return execFileSync('bash', [path.join(REPO_ROOT, 'scripts/lib/python-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const text = (payload: unknown): string | undefined => {
  if (payload === null || payload === undefined) return undefined;
  if (typeof payload === 'string') return payload;
  const encoded = (payload as { $base64?: string }).$base64;
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : JSON.stringify(payload);
};

/**
 * One entry per request, from the NDJSON engine events: every `ScenarioFinished` carries a recorder
 * `{label, cases: {id: {value}}, interactions: {id: {request, response}}}`.
 */
function casesOfEvent(event: Record<string, any>): FuzzCase[] {
  const recorder = event.ScenarioFinished?.recorder;
  if (!recorder?.interactions) return [];
  return Object.entries<any>(recorder.interactions).map(([id, interaction]) => {
    const req = interaction.request ?? {};
    const res = interaction.response ?? null;
    return {
      operation: String(recorder.label),
      phase: String(recorder.cases?.[id]?.value?.meta?.phase?.name ?? event.ScenarioFinished.phase ?? ''),
      method: String(req.method ?? ''),
      url: String(req.uri ?? ''),
      requestHeaders: (req.headers ?? {}) as Record<string, string[]>,
      requestBody: text(req.body),
      status: typeof res?.status_code === 'number' ? res.status_code : null,
      responseBody: text(res?.content) ?? '',
    };
  });
}

/** How many check verdicts a ScenarioFinished event carries (`recorder.checks: {caseId: [verdict...]}`). */
function checksOfEvent(event: Record<string, any>): number {
  const checks = event.ScenarioFinished?.recorder?.checks;
  if (!checks || typeof checks !== 'object') return 0;
  return Object.values<unknown>(checks).reduce<number>((n, list) => n + (Array.isArray(list) ? list.length : 0), 0);
}

/** What schemathesis's positive_data_acceptance check accepts by default. */
const POSITIVE_DATA_STATUSES = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];

/** schemathesis.toml: fixed parameters, dictionaries bound to parameters, per-operation settings. */
function configToml(options: FuzzOptions): string {
  const dictionaries: string[] = [];
  const binding = (pool: Pool) => {
    const name = `pool${dictionaries.length / 3}`;
    dictionaries.push(`[dictionaries.${name}]`, `values = ${JSON.stringify(pool.values)}`, '');
    return `{ dictionary = ${JSON.stringify(name)}, probability = ${pool.probability} }`;
  };
  const bindings = (pools: Record<string, Pool>) =>
    Object.entries(pools)
      .filter(([, pool]) => pool.values.length > 0)
      .map(([key, pool]) => `${JSON.stringify(key)} = ${binding(pool)}`);
  const global = ['[parameters]', ...Object.entries(options.fixed ?? {}).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`), ...bindings(options.pools ?? {}), ''];
  const accepted = (also: number[]) => JSON.stringify([...POSITIVE_DATA_STATUSES, ...also.map(String)]);
  const perOperation = Object.entries(options.perOperation ?? {}).flatMap(([operation, { pools, maxExamples, positiveDataAlsoAccepts }]) => [
    '[[operations]]',
    `include-name = ${JSON.stringify(operation)}`,
    ...(pools ? [`parameters = { ${bindings(pools).join(', ')} }`] : []),
    ...(maxExamples ? [`generation = { max-examples = ${maxExamples} }`] : []),
    ...(positiveDataAlsoAccepts ? [`checks = { positive_data_acceptance = { expected-statuses = ${accepted(positiveDataAlsoAccepts)} } }`] : []),
    '',
  ]);
  const positive = options.positiveDataAlsoAccepts?.length
    ? ['[checks.positive_data_acceptance]', `expected-statuses = ${accepted(options.positiveDataAlsoAccepts)}`, '']
    : [];
  const auth = Object.entries(options.bearerAuth ?? {}).flatMap(([scheme, token]) => [`[auth.openapi.${scheme}]`, `bearer = ${JSON.stringify(token)}`, '']);
  return [...dictionaries, ...global, ...positive, ...auth, ...perOperation].join('\n');
}

export async function runSchemathesis(options: FuzzOptions): Promise<FuzzResult> {
  fs.rmSync(options.reportDir, { recursive: true, force: true });
  fs.mkdirSync(options.reportDir, { recursive: true });
  const configFile = path.join(options.reportDir, 'schemathesis.toml');
  fs.writeFileSync(configFile, configToml(options));
  const ndjson = path.join(options.reportDir, 'events.ndjson');
  const json = path.join(options.reportDir, 'report.json');
  const args = [
    '--config-file', configFile,
    'run', options.schemaUrl,
    '--url', options.baseUrl,
    ...Object.entries(options.headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
    '--checks', (options.checks ?? ['all']).join(','),
    '--phases', options.phases.join(','),
    '--max-examples', String(options.maxExamplesPerOperation),
    '--workers', String(options.workers),
    '--seed', String(options.seed),
    // the same cases for the same seed and document: a failure reruns exactly (implies no example database)
    '--generation-deterministic',
    '--request-timeout', String(options.requestTimeoutSeconds),
    '--continue-on-failure',
    '--no-shrink',
    '--suppress-health-check', 'all',
    '--report', 'ndjson,json',
    '--report-ndjson-path', ndjson,
    '--report-json-path', json,
    '--output-sanitize', 'false',
    '--no-color',
    ...(options.excludePathRegex ? ['--exclude-path-regex', options.excludePathRegex] : []),
    ...(options.operationIds ?? []).flatMap((id) => ['--include-operation-id', id]),
  ];
  const bin = schemathesisBin();
  const started = Date.now();
  const child = spawn(bin, args, { cwd: options.reportDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const exitCode = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  const seconds = (Date.now() - started) / 1000;

  const cases: FuzzCase[] = [];
  let checksRun = 0;
  if (fs.existsSync(ndjson)) {
    const lines = readline.createInterface({ input: fs.createReadStream(ndjson) });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as Record<string, any>;
      cases.push(...casesOfEvent(event));
      checksRun += checksOfEvent(event);
    }
  }
  const report = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, any>) : {};
  const statuses: Record<string, number> = {};
  for (const c of cases) statuses[String(c.status)] = (statuses[String(c.status)] ?? 0) + 1;
  return {
    exitCode,
    seconds,
    generated: Number(report.test_cases?.generated ?? 0),
    cases,
    statuses,
    operationsTested: Number(report.operations?.tested ?? 0),
    checksRun,
    failures: ((report.failures ?? []) as { type?: string; title?: string; count?: number; operations?: string[] }[]).map(
      (f) => `${f.type ?? '?'} on ${(f.operations ?? []).join(', ')}: ${f.title ?? ''} (${f.count ?? 1}×)`,
    ),
    errors: report.errors ?? [],
    stdout,
    command: [bin, ...args].map((a) => (/[\s"'{}]/.test(a) ? JSON.stringify(a) : a)).join(' '),
  };
}

/**
 * Several single-worker schemathesis processes side by side, each on its share of the operations:
 * they use both cores (one process is bound by Python's GIL) and avoid CPython 3.11's
 * "AST constructor recursion depth mismatch" SystemError that concurrent worker threads can hit.
 */
export async function runSchemathesisInParallel(options: Omit<FuzzOptions, 'operationIds' | 'workers'>, operationIds: string[], processes: number): Promise<FuzzResult[]> {
  const groups = Array.from({ length: Math.max(1, Math.min(processes, operationIds.length)) }, () => [] as string[]);
  operationIds.forEach((id, i) => groups[i % groups.length]!.push(id));
  return Promise.all(
    groups.map((group, i) =>
      runSchemathesis({ ...options, operationIds: group, workers: 1, seed: options.seed + i, reportDir: path.join(options.reportDir, `process-${i + 1}`) }),
    ),
  );
}
