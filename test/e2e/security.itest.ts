/**
 * The security part of the whole-system proof, driven through the gateway's public API against the
 * whole stack (simulator, four backends, gateway as real processes on real Kafka and FerretDB):
 *
 * 1. bearer tokens: expired, forged (bad signature, `alg: none`, HS256 keyed with the public key),
 *    another issuer's and another audience's are a 401 problem; a valid one for a known user is 200;
 * 2. canary client secrets (wizard-created connection, directly created connection, rotated
 *    credential), each used by a real verification run, appear in no response the test received, no
 *    service log, no Kafka message of the stack's topics and no audit record or export;
 * 3. schemathesis generates at least FUZZ_MAX_CASES cases (2,000 in npm test, 10,000 in
 *    `npm run security`) from GET /api/openapi.json, authenticated as the admin, with all its checks:
 *    no 5xx, every status and content type documented, every body matching its response schema,
 *    schema-valid requests accepted and invalid ones refused, undeclared methods a 405 with Allow,
 *    no answer without credentials; afterwards the canaries are still nowhere (not in the fuzzer's
 *    responses either).
 *
 * Generation is deterministic (schemathesis's deterministic mode): the same document gives the same
 * cases on every run, so a failure reruns exactly.
 *
 * Env: FUZZ_MAX_CASES (2000), FUZZ_PROCESSES (3 schemathesis processes), FUZZ_SEED (passed on; the
 * deterministic mode does not use it). Reports: .run/security-fuzz/pass-N/process-M/{events.ndjson,report.json}.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, testInfra, waitFor } from '@tenantatlas/testing';
import { connectDownstream, type Downstream } from '../../services/gateway/src/adapters/grpc/downstream';
import { GatewayClient } from '../../services/gateway/src/testing/gateway-client';
import { sweepTopics } from './security/kafka-sweep';
import { hs256, startIssuer, type StandInIssuer } from './security/oidc-issuer';
import { leaksIn, RecordingClient, type Recorded } from './security/recording-client';
import { curlOf, runSchemathesisInParallel, type FuzzCase, type FuzzResult } from './security/schemathesis';
import { checkContractAtEnd } from './contract';
import { startStack, type Stack } from './system-stack';

const AUDIENCE = 'api://tenantatlas-security-itest';
const CHECK = 'provider.connection.check';
/** npm test's short form; `npm run security` fuzzes with 10,000 */
const FUZZ_MAX_CASES = Number(process.env.FUZZ_MAX_CASES ?? 2_000);
const FUZZ_PROCESSES = Number(process.env.FUZZ_PROCESSES ?? 3);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_251_206);

type Response = Awaited<ReturnType<GatewayClient['request']>>;

/** The canary and the encodings a careless log line or message could carry it in. */
const encodings = (secret: string) => [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')];

/** Where in `haystacks` (name → text) any of `needles` occurs, with a little context. */
function occurrences(haystacks: Record<string, string>, needles: string[]): string[] {
  const found: string[] = [];
  for (const [name, text] of Object.entries(haystacks)) {
    for (const needle of needles) {
      const at = text.indexOf(needle);
      if (at >= 0) found.push(`${name}: …${text.slice(Math.max(0, at - 200), at + needle.length + 50)}…`);
    }
  }
  return found;
}

checkContractAtEnd();

describe('security of the whole system, through the gateway', () => {
  const infra = testInfra();
  const timings: Record<string, string> = {};
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    }
  };
  let stack: Stack;
  let issuer: StandInIssuer;
  let otherIssuer: StandInIssuer;
  let downstream: Downstream;
  let adminToken: string;
  let admin: RecordingClient;
  let workspaceId: string;
  let ws: string;
  /** every response the test received from the gateway after the first canary existed */
  const recorded: Recorded[] = [];
  const canaries: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let fuzzCases: FuzzCase[] = [];

  beforeAll(async () => {
    await timed('stack start', async () => {
      issuer = await startIssuer({ audience: AUDIENCE });
      otherIssuer = await startIssuer({ audience: AUDIENCE });
      stack = await startStack({
        name: 'sec',
        envOf: {
          // the per-actor limit would turn the fuzzer's traffic into 429s
          gateway: { RATE_LIMIT_PER_MINUTE: '1000000000', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: AUDIENCE },
        },
      });
    });
    const session = await new GatewayClient(stack.gatewayUrl).login(stack.admin.email, stack.admin.password);
    const created = await session.post('/api/tokens', { name: 'security-itest' });
    expect(created.status).toBe(201);
    adminToken = created.json.token as string;
    admin = new RecordingClient(stack.gatewayUrl, adminToken, recorded);
    const me = await admin.get('/api/me');
    ids.userId = me.json.user.id as string;
    workspaceId = me.json.workspaces[0].id as string;
    ws = `/api/workspaces/${workspaceId}`;
    downstream = connectDownstream({ connections: stack.process('connections').address });
  }, 240_000);

  afterAll(async () => {
    downstream?.close();
    await stack?.stop();
    await issuer?.close();
    await otherIssuer?.close();
    console.log(`security e2e timings: ${JSON.stringify(timings)}`);
  });

  /** An RFC 9457 problem response with this status and code. */
  const expectProblem = (label: string, res: Response, status: number, code: string) =>
    expect({ label, status: res.status, contentType: res.headers.get('content-type')?.split(';')[0], code: res.json?.code, bodyStatus: res.json?.status }).toEqual({
      label,
      status,
      contentType: 'application/problem+json',
      code,
      bodyStatus: status,
    });

  it('refuses expired, forged, foreign and mis-addressed bearer tokens with a 401 problem; accepts a valid one', async () => {
    const asBearer = (token: string) => new GatewayClient(stack.gatewayUrl).request('GET', '/api/me', undefined, { authorization: `Bearer ${token}` });
    const email = stack.admin.email;
    const now = Math.floor(Date.now() / 1000);
    const valid = issuer.mint({ sub: 'entra-admin', email });
    const [h, p] = valid.split('.');

    const ok = await asBearer(valid);
    expect([ok.status, ok.json?.user?.email]).toEqual([200, email]);

    const publicPem = issuer.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const publicDer = issuer.publicKey.export({ format: 'der', type: 'spki' });
    const refused: Record<string, string> = {
      'expired (beyond the 60 s skew)': issuer.mint({ email, exp: now - 600 }),
      'not yet valid': issuer.mint({ email, nbf: now + 600 }),
      'no exp at all': issuer.mint({ email, exp: undefined }),
      'bad signature (claims changed after signing)': `${h}.${Buffer.from(JSON.stringify(issuer.claims({ email, sub: 'someone-else' }))).toString('base64url')}.${valid.split('.')[2]}`,
      'bad signature (random bytes)': `${h}.${p}.${randomBytes(256).toString('base64url')}`,
      'alg none, empty signature': issuer.assemble({ alg: 'none', typ: 'JWT' }, issuer.claims({ email }), () => ''),
      'alg none, with a signature': issuer.assemble({ alg: 'none', kid: issuer.kid }, issuer.claims({ email }), () => randomBytes(32).toString('base64url')),
      'alg NONE (case variant)': issuer.assemble({ alg: 'NONE', kid: issuer.kid }, issuer.claims({ email }), () => randomBytes(32).toString('base64url')),
      'HS256 keyed with the public key (PEM)': issuer.assemble({ alg: 'HS256', kid: issuer.kid }, issuer.claims({ email }), hs256(publicPem)),
      'HS256 keyed with the public key (DER)': issuer.assemble({ alg: 'HS256', kid: issuer.kid }, issuer.claims({ email }), hs256(publicDer)),
      'another issuer (its own key, our key id)': otherIssuer.mint({ email }),
      'another issuer (its own key and key id)': otherIssuer.mint({ email }, { kid: 'other-key' }),
      'another issuer named, signed with our key': issuer.mint({ email, iss: otherIssuer.issuer }),
      'our issuer named, signed by another issuer': otherIssuer.mint({ email, iss: issuer.issuer }),
      'wrong audience': issuer.mint({ email, aud: 'api://someone-else' }),
      'wrong audiences (list)': issuer.mint({ email, aud: ['api://a', 'api://b'] }),
      'no audience': issuer.mint({ email, aud: undefined }),
      'valid token, unknown user': issuer.mint({ email: 'stranger@example.test' }),
    };
    for (const [label, token] of Object.entries(refused)) {
      const res = await asBearer(token);
      expectProblem(label, res, 401, 'AUTH.INVALID_TOKEN');
      expect({ label, leaked: res.text.includes(email) }).toEqual({ label, leaked: false });
    }
    // An API token that is almost ours is refused the same way.
    expectProblem('API token with a changed secret', await asBearer(`${adminToken}x`), 401, 'AUTH.INVALID_TOKEN');
    expectProblem('no credentials at all', await new GatewayClient(stack.gatewayUrl).get('/api/me'), 401, 'AUTH.UNAUTHENTICATED');
    // The valid token still works after all the refusals (the key cache was not poisoned).
    expect((await asBearer(issuer.mint({ email }))).status).toBe(200);
  });

  it('keeps canary client secrets out of every response, log, Kafka message and audit record', async () => {
    canaries.wizard = `canary-wizard-${randomBytes(16).toString('hex')}`;
    canaries.direct = `canary-direct-${randomBytes(16).toString('hex')}`;
    canaries.rotated = `canary-rotated-${randomBytes(16).toString('hex')}`;
    const external = randomUUID(); // the simulator serves any unknown GUID as a healthy tenant
    const requireSecret = (secret: string) => stack.simulator.control('PUT', `/tenants/${external}`, { tenantId: external, clientSecret: secret });
    const tokenRequests = async () =>
      ((await stack.simulator.control('GET', `/requests?tenantId=${external}`)) as { requests: { path: string; secretMatched?: boolean }[] }).requests.filter(
        (r) => r.secretMatched !== undefined,
      );
    const waitForRun = (runId: string) =>
      waitFor(
        async () => {
          const run = (await admin.get(`${ws}/runs/${runId}`)).json?.run;
          return run?.status === 'completed' ? run : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: `run ${runId} to complete` },
      );

    await timed('canary: wizard + verification', async () => {
      await requireSecret(canaries.wizard!);
      const draft = (await admin.post(`${ws}/drafts`)).json.draft;
      const identified = await admin.post(`${ws}/drafts/${draft.id}/identify`, { expected_version: draft.version, external_tenant_id: external, name: 'Canary Corp' });
      expect(identified.status).toBe(200);
      const selected = await admin.post(`${ws}/drafts/${draft.id}/connection`, {
        expected_version: identified.json.draft.version,
        new_connection: { display_name: 'Canary app', client_id: randomUUID(), target_tenant_id: external, client_secret: canaries.wizard },
      });
      expect(selected.status).toBe(200);
      const verification = await admin.post(`${ws}/drafts/${draft.id}/verification`, { expected_version: selected.json.draft.version });
      expect(verification.status).toBe(200);
      Object.assign(ids, { tenantId: identified.json.tenant.id, draftId: draft.id, connectionId: selected.json.connection_id, runId: verification.json.run_id });
      // the run used the secret for real: the simulator only accepts this exact one
      expect(await waitForRun(ids.runId!)).toMatchObject({ type: CHECK, outcome: 'succeeded' });
      expect((await tokenRequests()).at(-1)).toMatchObject({ secretMatched: true });
    });

    await timed('canary: direct connection + check', async () => {
      await requireSecret(canaries.direct!);
      const created = await admin.post(`${ws}/connections`, { tenant_id: ids.tenantId, display_name: 'Canary app 2', client_id: randomUUID(), target_tenant_id: external, client_secret: canaries.direct });
      expect(created.status).toBe(201);
      ids.connection2Id = created.json.connection.id;
      const check = await admin.post(`${ws}/connections/${ids.connection2Id}/check`);
      expect(check.status).toBe(200);
      expect(await waitForRun(check.json.run.id)).toMatchObject({ outcome: 'succeeded' });
      expect((await tokenRequests()).at(-1)).toMatchObject({ secretMatched: true });
    });

    await timed('canary: rotation + check', async () => {
      // The gateway offers no credential rotation route: rotate through the connections API itself.
      await requireSecret(canaries.rotated!);
      const rotated = await downstream.connections.RotateCredential({
        workspace_id: workspaceId,
        actor: { user_id: ids.userId, display_name: 'security itest', component: '' },
        connection_id: ids.connectionId,
        client_secret: canaries.rotated,
        tenant_id: '',
      });
      expect(rotated.connection).toMatchObject({ id: ids.connectionId, has_credential: true });
      const check = await admin.post(`${ws}/connections/${ids.connectionId}/check`);
      expect(check.status).toBe(200);
      expect(await waitForRun(check.json.run.id)).toMatchObject({ outcome: 'succeeded' });
      expect((await tokenRequests()).at(-1)).toMatchObject({ secretMatched: true });
      // everything the UI would show about both connections
      for (const id of [ids.connectionId, ids.connection2Id]) expect((await admin.get(`${ws}/connections/${id}`)).json.connection.has_credential).toBe(true);
      await admin.get(`${ws}/connections`);
      await admin.get(`${ws}/drafts/${ids.draftId}`);
      await admin.get(`${ws}/drafts/${ids.draftId}/readiness`);
      await admin.get(`${ws}/runs`);
    });

    await timed('canary: audit read back', async () => {
      // audit follows the lifecycle topics: wait for the last change (the rotation's check) to arrive
      const auditText = async () => {
        const pages: string[] = [];
        let pageToken = '';
        do {
          const page = await admin.get(`${ws}/audit?pageSize=200${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
          expect(page.status).toBe(200);
          pages.push(page.text);
          pageToken = page.json.next_page_token ?? '';
        } while (pageToken);
        return pages.join('\n');
      };
      await waitFor(async () => {
        const text = await auditText();
        return text.includes('credential_rotated') && (text.match(/connection\.verified/g) ?? []).length >= 3;
      }, { timeoutMs: 60_000, intervalMs: 500, what: 'the audit log to record the rotation and three checks' });
      for (const format of ['ndjson', 'csv']) {
        const exported = await admin.get(`${ws}/audit/export?format=${format}`);
        expect([format, exported.status]).toEqual([format, 200]);
        expect(exported.text).toContain(ids.connectionId);
      }
    });

    const needles = Object.values(canaries).flatMap(encodings);
    expect(recorded.length).toBeGreaterThan(10);
    expect(leaksIn(recorded, needles)).toEqual([]);
    const logs = Object.fromEntries(stack.processes().map((p) => [`log of ${p.name}`, p.output()]));
    expect(Object.keys(logs).sort()).toEqual(['audit', 'connections', 'gateway', 'onboarding', 'operations'].map((n) => `log of ${n}`));
    expect(occurrences(logs, needles)).toEqual([]);
    // the admin's password and API token secret are secrets too
    expect(occurrences(logs, [stack.admin.password, adminToken.split('.')[1]!])).toEqual([]);

    const swept = await timed('canary: Kafka sweep', () => sweepTopics(infra.kafkaBrokers, `${stack.prefix}.`));
    expect(swept.topics.length).toBeGreaterThanOrEqual(4);
    expect(swept.messages.some((m) => m.text.includes(ids.connectionId!))).toBe(true); // the sweep does see the connection's events
    const kafkaTexts = Object.fromEntries(swept.messages.map((m) => [`${m.topic}[${m.partition}]@${m.offset}`, m.text]));
    expect(occurrences(kafkaTexts, [...needles, adminToken.split('.')[1]!])).toEqual([]);
    console.log(`canary sweep: ${recorded.length} responses, ${Object.keys(logs).length} service logs, ${swept.messages.length} Kafka messages on ${swept.topics.length} topics`);
  }, 400_000);

  it(`keeps the whole HTTP contract: schemathesis with every check, >= ${FUZZ_MAX_CASES} cases from the OpenAPI document, 0 failures`, async () => {
    const doc = (await admin.get('/api/openapi.json')).json;
    type Operation = { operationId: string; parameters?: { name: string; in: string }[]; requestBody?: unknown };
    const operations = Object.entries<Record<string, Operation>>(doc.paths)
      .filter(([p]) => !p.endsWith('/events')) // an endless event stream
      .flatMap(([p, methods]) => Object.entries(methods).map(([method, op]) => ({ ...op, label: `${method.toUpperCase()} ${p}` })));
    expect(operations.length).toBeGreaterThan(30);
    // Operations without any input of their own (GET /api/me, POST .../drafts, ...) only vary in
    // the session cookie: a few dozen cases say all there is; the budget goes to those with inputs.
    const withoutInputs = operations.filter((op) => !op.requestBody && !(op.parameters ?? []).some((p) => !(p.in === 'path' && p.name === 'workspaceId')));
    const fewCases = 40;
    const perOperationCases = (total: number) => Math.max(1, Math.ceil((total - withoutInputs.length * fewCases) / (operations.length - withoutInputs.length)));
    // Real ids most of the time (so requests get past the 404s into the services), generated ones otherwise.
    const pool = (values: (string | undefined)[]) => ({ values: values.filter((v): v is string => Boolean(v)), probability: 0.8 });
    const perOperation: Record<string, { pools?: Record<string, { values: string[]; probability: number }>; maxExamples?: number }> = Object.fromEntries(
      withoutInputs.map((op) => [op.label, { maxExamples: fewCases }]),
    );
    // The fuzzer acts as the workspace's owner and learns its e-mail from /api/me: it could make
    // a generated member owner and then step down itself (allowed while another owner remains),
    // and the rest would be 403/404. Members it writes are three fixed others.
    // A page token is opaque: the document gives its alphabet, but only the service that issued
    // one can tell it from a random string of that alphabet (400). Lists accept that 400 too.
    for (const op of operations.filter((o) => (o.parameters ?? []).some((p) => p.name === 'pageToken'))) {
      perOperation[op.label] = { ...perOperation[op.label], positiveDataAlsoAccepts: [422, 400] };
    }
    // Each run type has its own subject and context rules (GET /api/run-types), which one document
    // schema for every type cannot state: a valid-looking start may meet the type's 400.
    perOperation['POST /api/workspaces/{workspaceId}/runs'] = { positiveDataAlsoAccepts: [422, 400] };
    perOperation['POST /api/workspaces/{workspaceId}/members'] = {
      pools: { 'body.email': { values: ['fuzz-a@example.test', 'fuzz-b@example.test', 'fuzz-c@example.test'], probability: 1 } },
    };
    const common = {
      schemaUrl: `${stack.gatewayUrl}/api/openapi.json`,
      baseUrl: stack.gatewayUrl,
      headers: {},
      bearerAuth: { apiToken: adminToken },
      excludePathRegex: '/events$',
      fixed: { 'path.workspaceId': workspaceId },
      pools: {
        'path.tenantId': pool([ids.tenantId]),
        'path.draftId': pool([ids.draftId]),
        'path.connectionId': pool([ids.connectionId, ids.connection2Id]),
        'path.runId': pool([ids.runId]),
        // Session cookies the way an attacker writes them: broken percent-encoding, separators, huge.
        'cookie.ta_session': { values: ['%', '%zz', 'a%E0%A4%A', '%00', '=', ';', '..%2F..%2F', 'x'.repeat(4000), '${jndi:x}', 'null'], probability: 0.3 },
      },
      perOperation,
      // a valid request may meet a state that forbids it (draft not ready, tenant archived)
      positiveDataAlsoAccepts: [422],
      requestTimeoutSeconds: 30,
    };
    const operationIds = operations.map((op) => op.operationId);
    const passes: FuzzResult[] = [];
    fs.rmSync(path.join(REPO_ROOT, '.run/security-fuzz'), { recursive: true, force: true });
    await timed('fuzzing', async () => {
      // The coverage phase adds its own cases on top of --max-examples; a second, fuzzing-only pass
      // makes up any shortfall.
      passes.push(
        ...(await runSchemathesisInParallel(
          {
            ...common,
            phases: ['coverage', 'fuzzing'],
            maxExamplesPerOperation: perOperationCases(FUZZ_MAX_CASES * 0.85),
            seed: FUZZ_SEED,
            reportDir: path.join(REPO_ROOT, '.run/security-fuzz/pass-1'),
          },
          operationIds,
          FUZZ_PROCESSES,
        )),
      );
      const short = FUZZ_MAX_CASES - passes.reduce((n, p) => n + p.cases.length, 0);
      if (short > 0) {
        passes.push(
          ...(await runSchemathesisInParallel(
            {
              ...common,
              phases: ['fuzzing'],
              maxExamplesPerOperation: perOperationCases(short) + 1,
              seed: FUZZ_SEED + 100,
              reportDir: path.join(REPO_ROOT, '.run/security-fuzz/pass-2'),
            },
            operationIds,
            FUZZ_PROCESSES,
          )),
        );
      }
    });
    fuzzCases = passes.flatMap((p) => p.cases);
    const statuses: Record<string, number> = {};
    for (const c of fuzzCases) statuses[String(c.status)] = (statuses[String(c.status)] ?? 0) + 1;
    const summary = passes.map((p) => `${p.generated} cases (${p.cases.length} requests read back) on ${p.operationsTested} operations in ${p.seconds.toFixed(1)} s, exit ${p.exitCode}`);
    const checksRun = passes.reduce((n, p) => n + p.checksRun, 0);
    const failures = passes.flatMap((p) => p.failures);
    console.log(
      `fuzzing (seed ${FUZZ_SEED}, ${FUZZ_PROCESSES} processes): ${fuzzCases.length} requests, ${checksRun} check verdicts, ${failures.length} failures\n` +
        `${summary.join('\n')}\nstatuses: ${JSON.stringify(statuses)}`,
    );
    if (failures.length > 0) console.error(`contract failures:\n${failures.join('\n')}\nschemathesis output:\n${passes.map((p) => p.stdout.slice(-15_000)).join('\n----\n')}`);

    const serverErrors = fuzzCases.filter((c) => c.status !== null && c.status >= 500);
    if (serverErrors.length > 0) {
      const byOperation = new Map<string, FuzzCase[]>();
      for (const c of serverErrors) byOperation.set(c.operation, [...(byOperation.get(c.operation) ?? []), c]);
      const report = [...byOperation].map(([operation, cases]) =>
        [`${operation}: ${cases.length} × ${[...new Set(cases.map((c) => c.status))].join('/')}`, ...cases.slice(0, 3).map((c) => `  ${c.responseBody.slice(0, 300)}\n  reproduce: ${curlOf(c)}`)].join('\n'),
      );
      console.error(`5xx answers from the gateway:\n${report.join('\n')}\nrerun the fuzzer: FUZZ_SEED=${FUZZ_SEED} (commands: ${passes.map((p) => p.command).join(' ; ')})`);
    }
    // exit 1 = failures found (reported above); anything else is schemathesis itself failing
    for (const p of passes.filter((p) => p.exitCode !== 0 && p.exitCode !== 1)) console.error(`schemathesis exited ${p.exitCode}: ${p.command}\n${p.stdout.slice(-4000)}`);
    // All facts in one comparison, so a failure shows every one of them.
    const generated = passes.reduce((n, p) => n + p.generated, 0);
    const role = (await admin.get(ws)).json;
    expect({
      serverErrors: serverErrors.map((c) => `${c.status} ${c.method} ${c.url}`),
      failures,
      unanswered: fuzzCases.filter((c) => c.status === null).map((c) => `no answer within 30 s: ${c.method} ${c.url}`),
      schemathesisErrors: passes.flatMap((p) => p.errors),
      exitCodes: passes.map((p) => p.exitCode).filter((code) => code !== 0),
      enoughCases: generated >= FUZZ_MAX_CASES && fuzzCases.length >= FUZZ_MAX_CASES,
      operationsCovered: new Set(fuzzCases.map((c) => c.operation)).size,
      // ...and the fuzzer kept the owner's authority to the end
      membership: { role: role.role, tenantScope: role.tenantScope },
    }).toEqual({
      serverErrors: [],
      failures: [],
      unanswered: [],
      schemathesisErrors: [],
      exitCodes: [],
      enoughCases: true,
      operationsCovered: operations.length,
      membership: { role: 'owner', tenantScope: { kind: 'all' } },
    });
  }, 2_700_000);

  it('still has the canaries nowhere after the fuzzing: not in its responses, the logs or Kafka', async () => {
    expect(Object.keys(canaries)).toHaveLength(3);
    const needles = Object.values(canaries).flatMap(encodings);
    const fuzzed = fuzzCases.filter((c) => needles.some((n) => c.responseBody.includes(n)));
    expect(fuzzed.map((c) => `${c.status} ${c.method} ${c.url}`)).toEqual([]);
    expect(occurrences(Object.fromEntries(stack.processes().map((p) => [`log of ${p.name}`, p.output()])), needles)).toEqual([]);
    const swept = await timed('final Kafka sweep', () => sweepTopics(infra.kafkaBrokers, `${stack.prefix}.`));
    expect(occurrences(Object.fromEntries(swept.messages.map((m) => [`${m.topic}[${m.partition}]@${m.offset}`, m.text])), needles)).toEqual([]);
    for (const format of ['ndjson', 'csv']) {
      const exported = await admin.get(`${ws}/audit/export?format=${format}`);
      expect([format, exported.status]).toEqual([format, 200]);
      expect(occurrences({ [`audit ${format}`]: exported.text }, needles)).toEqual([]);
    }
  }, 300_000);
});
