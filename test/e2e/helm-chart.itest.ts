/**
 * The Helm chart, checked the way a cluster would see it but without one: `helm lint`, `helm
 * template` with the default and the production values, and every rendered object validated
 * against the Kubernetes OpenAPI schemas plus the chart's policy (resources, probes, non-root,
 * read-only root filesystem, no capabilities), and strictly decoded into the k8s.io/api types (no
 * unknown fields). Helm is built with `go install`, the schemas come from the npm
 * `kubernetes-models` package, the strict decoder is built from k8s.io Go modules (scripts/tools/),
 * all cached under .cache/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tenantatlas/testing';
import { configFields, loadConfig, retentionWindow, z } from '@tenantatlas/core';

const CHART = path.join(REPO_ROOT, 'deploy', 'helm', 'tenantatlas');
const PRODUCTION_VALUES = path.join(CHART, 'values-production.yaml');
const KUBE_VERSION = '1.31.0';
const SERVICES = ['gateway', 'onboarding', 'connections', 'operations', 'audit'];

interface Validation {
  objects: { kind: string; apiVersion: string; name: string; problems: string[] }[];
  invalid: number;
}
type K8sObject = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any; data?: any };

let helm = '';
let models = '';
let strictDecoder = '';

const tool = (script: string) =>
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'tools', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function template(...extra: string[]): string {
  const result = run(helm, ['template', 'ta', CHART, '--namespace', 'tenantatlas', '--kube-version', KUBE_VERSION, ...extra]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return result.stdout;
}

function validate(rendered: string): Validation {
  const result = run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'tools', 'k8s-validate.mjs'), '--models', models], rendered);
  if (!result.stdout) throw new Error(`validator crashed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Validation;
}

/**
 * Strict decoding into the k8s.io/api Go types (unknown or duplicated fields are errors, which the
 * OpenAPI schemas allow); returns what failed and the kinds it does not know.
 */
function strict(rendered: string): { invalid: string[]; skipped: string[] } {
  const result = run(strictDecoder, [], rendered);
  const lines = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { kind: string; name: string; status: string; error?: string });
  if (lines.length === 0) throw new Error(`k8s-strict printed nothing:\n${result.stderr}`);
  return {
    invalid: lines.filter((l) => l.status === 'invalid').map((l) => `${l.kind} ${l.name}: ${l.error}`),
    skipped: [...new Set(lines.filter((l) => l.status === 'skipped').map((l) => l.kind))],
  };
}

/** The rendered objects, parsed with the same YAML parser the validator uses. */
function objects(rendered: string): K8sObject[] {
  const file = path.join(os.tmpdir(), `chart-${process.pid}-${Date.now()}.yaml`);
  fs.writeFileSync(file, rendered);
  try {
    const script = `import('${path.join(models, 'yaml', 'dist', 'index.js')}').then(({ parseAllDocuments }) =>
      process.stdout.write(JSON.stringify(parseAllDocuments(require('fs').readFileSync(process.argv[1], 'utf8')).map((d) => d.toJS()).filter(Boolean))))`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script, file], { encoding: 'utf8' })) as K8sObject[];
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const named = (all: K8sObject[], kind: string, service: string) =>
  all.find((o) => o.kind === kind && o.metadata.name === `ta-tenantatlas-${service}`);

beforeAll(() => {
  // The first run builds helm from the Go module proxy (a few minutes); later runs reuse .cache/.
  helm = tool('helm.sh');
  models = tool('k8s-models.sh');
  strictDecoder = tool('k8s-strict.sh');
}, 900_000);

describe('the Helm chart', () => {
  it('passes helm lint with the default and the production values', () => {
    for (const values of [[], ['-f', PRODUCTION_VALUES]]) {
      const result = run(helm, ['lint', CHART, '--strict', '--kube-version', KUBE_VERSION, ...values]);
      expect({ status: result.status, out: result.stdout + result.stderr }).toMatchObject({ status: 0 });
    }
  });

  it('renders with default values into objects that match the Kubernetes schemas and the policy', () => {
    const rendered = template();
    const report = validate(rendered);
    expect(report.objects.filter((o) => o.problems.length > 0)).toEqual([]);
    expect(strict(rendered)).toEqual({ invalid: [], skipped: [] });
    const all = objects(rendered);
    for (const service of SERVICES) {
      for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'PodDisruptionBudget', 'NetworkPolicy']) {
        expect(named(all, kind, service)).toBeDefined();
      }
    }
    expect(report.objects.length).toBe(all.length);
  });

  it('renders the production values (external stores, HPA, Ingress, ServiceMonitors, topics Job) validly', () => {
    const rendered = template('-f', PRODUCTION_VALUES);
    const report = validate(rendered);
    expect(report.objects.filter((o) => o.problems.length > 0)).toEqual([]);
    // ServiceMonitor is a CRD: only its OpenAPI schema (above) checks it
    expect(strict(rendered)).toEqual({ invalid: [], skipped: ['ServiceMonitor'] });
    const all = objects(rendered);
    const kinds = (kind: string) => all.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
    // audit opts out of autoscaling in the example: each service scales on its own values
    expect(kinds('HorizontalPodAutoscaler')).toEqual(
      ['connections', 'gateway', 'onboarding', 'operations'].map((s) => `ta-tenantatlas-${s}`),
    );
    expect(kinds('ServiceMonitor')).toHaveLength(5);
    expect(kinds('Ingress')).toEqual(['ta-tenantatlas-gateway']);
    expect(kinds('Job')).toEqual(['ta-tenantatlas-topics']);
    // secrets come from existing Secrets: the chart creates none
    expect(kinds('Secret')).toEqual([]);
    const connections = named(all, 'Deployment', 'connections')!.spec.template.spec.containers[0];
    expect(connections.env).toEqual(
      expect.arrayContaining([
        { name: 'MONGO_URL', valueFrom: { secretKeyRef: { name: 'tenantatlas-mongo', key: 'mongo-url' } } },
        { name: 'CONNECTIONS_ENCRYPTION_KEYS', valueFrom: { secretKeyRef: { name: 'tenantatlas-credential-keys', key: 'encryption-keys' } } },
      ]),
    );
    expect(named(all, 'Deployment', 'operations')!.spec.replicas).toBeUndefined(); // the HPA owns it
    expect(named(all, 'HorizontalPodAutoscaler', 'operations')!.spec.maxReplicas).toBe(20);
  });

  it('gives connections (only) its credential keys from an existing Secret, with the active key id during a rotation', () => {
    const all = objects(template('--set', 'credentialKey.existingSecret=keys-from-vault', '--set', 'credentialKey.existingSecretKey=keys', '--set', 'credentialKey.activeKeyId=k2'));
    // the Secret is someone else's (made by hand or synced from a secret store): the chart creates none for the keys
    expect(all.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual(['ta-tenantatlas-mongo']);
    const envOf = (service: string) => named(all, 'Deployment', service)!.spec.template.spec.containers[0].env as { name: string }[];
    expect(envOf('connections')).toEqual(
      expect.arrayContaining([
        { name: 'CONNECTIONS_ENCRYPTION_KEYS', valueFrom: { secretKeyRef: { name: 'keys-from-vault', key: 'keys' } } },
        { name: 'CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID', value: 'k2' },
      ]),
    );
    for (const service of SERVICES.filter((s) => s !== 'connections')) {
      expect(envOf(service).map((e) => e.name)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^CONNECTIONS_ENCRYPTION/)]));
    }
    // without an active key id the first key of the list seals; with the chart's own Secret, kept on uninstall
    const generated = objects(template());
    const defaultEnv = named(generated, 'Deployment', 'connections')!.spec.template.spec.containers[0].env as { name: string }[];
    expect(defaultEnv.map((e) => e.name)).not.toContain('CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID');
    const keySecret = generated.find((o) => o.kind === 'Secret' && o.metadata.name === 'ta-tenantatlas-credential-keys')!;
    expect(keySecret.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
    // in the format connections reads: one key id and 32 random bytes
    const [keyId, material] = Buffer.from(keySecret.data['encryption-keys'], 'base64').toString('utf8').split(':');
    expect([keyId, Buffer.from(material!, 'base64').length]).toEqual(['k1', 32]);
    const bad = run(helm, ['template', 'ta', CHART, '--set', 'credentialKey.activeKeyId=not a key id']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('/credentialKey/activeKeyId');
  });

  it('gives operations and audit the retention windows, each workspace its own, in the form they read', () => {
    const all = objects(template('--set', 'retention.days=90', '--set', 'retention.byWorkspace.ws-a=7', '--set', 'retention.byWorkspace.ws-b=365'));
    for (const service of ['operations', 'audit']) {
      const data = named(all, 'ConfigMap', service)!.data as Record<string, string>;
      const windowOf = retentionWindow(loadConfig(z.object(configFields.retention), data));
      expect([windowOf('ws-a'), windowOf('ws-b'), windowOf('ws-c')]).toEqual([7, 365, 90]);
    }
    const bad = run(helm, ['template', 'ta', CHART, '--set', 'retention.byWorkspace.ws-a=0.5']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('/retention/byWorkspace/ws-a');
  });

  it('probes gRPC services with grpc.health.v1 and the gateway over HTTP', () => {
    const all = objects(template());
    for (const service of SERVICES) {
      const container = named(all, 'Deployment', service)!.spec.template.spec.containers[0];
      if (service === 'gateway') {
        expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      } else {
        expect(container.readinessProbe.grpc.port).toBe(container.ports[0].containerPort);
        expect(container.livenessProbe.grpc.port).toBe(container.ports[0].containerPort);
      }
      expect(container.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'metrics', containerPort: 9464 })]));
    }
  });

  it('lets only the gateway take outside traffic and each service only its callers', () => {
    const all = objects(template());
    const callersOf = (service: string) => {
      const policy = named(all, 'NetworkPolicy', service)!;
      const rule = policy.spec.ingress.find((r: any) => r.ports[0].port !== 'metrics');
      if (!rule) return [];
      if (!rule.from) return ['anyone'];
      return rule.from.map((peer: any) => peer.podSelector.matchLabels['app.kubernetes.io/component']).sort();
    };
    expect(callersOf('gateway')).toEqual(['anyone']);
    expect(callersOf('onboarding')).toEqual(['connections', 'gateway', 'operations']);
    expect(callersOf('operations')).toEqual(['gateway', 'onboarding']);
    expect(callersOf('connections')).toEqual(['gateway', 'onboarding', 'operations']);
    expect(callersOf('audit')).toEqual(['gateway']);
    const noCallers = objects(template('--set', 'services.audit.callers=null'));
    // an empty `from` would admit everyone: a service without callers gets no port rule at all
    expect(named(noCallers, 'NetworkPolicy', 'audit')!.spec.ingress.map((r: any) => r.ports[0].port)).toEqual(['metrics']);
  });

  it('rejects values that do not match values.schema.json with a message naming the field', () => {
    const result = run(helm, ['template', 'ta', CHART, '--set', 'kafka.brokers=not a broker list']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('/kafka/brokers');
    const typo = run(helm, ['template', 'ta', CHART, '--set', 'services.operations.replicaz=3']);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toContain('replicaz');
  });

  it('builds images from node:24 that run as a non-root user under tini', () => {
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24[-\w.]*$/m);
    const lastUser = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1] ?? 'root';
    expect(lastUser.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(dockerfile).toContain('@tenantatlas/runtime/telemetry-register');
  });

  it('ships a Grafana dashboard whose queries use only metrics the code records', () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'grafana', 'tenantatlas-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(tenantatlas_[a-z_]+?)(?:_bucket|_count|_sum)?\{/g)].map((m) => m[1]!)));
    const sources = ['packages', 'services'].flatMap((root) => fs.readdirSync(path.join(REPO_ROOT, root)).map((name) => path.join(REPO_ROOT, root, name, 'src')));
    const code = sources
      .flatMap((dir) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)) : []))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.itest.ts'))
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
    const missing = [...used].filter((metric) => !code.includes(`'${metric}'`));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(8);
  });
});
