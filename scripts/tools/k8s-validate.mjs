#!/usr/bin/env node
// Validates rendered Kubernetes manifests offline: every object against its OpenAPI schema (npm
// `kubernetes-models`, installed by k8s-models.sh), plus the policy the chart promises for every
// workload container (resources, probes, non-root, read-only root, no capabilities).
//   helm template … | node scripts/tools/k8s-validate.mjs --models "$(bash scripts/tools/k8s-models.sh)"
// Prints one JSON report on stdout; exits 1 when any object is invalid or breaks the policy.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const modelsIndex = args.indexOf('--models');
if (modelsIndex < 0 || !args[modelsIndex + 1]) {
  process.stderr.write('usage: k8s-validate.mjs --models <node_modules dir> [file.yaml …] (stdin when no file)\n');
  process.exit(2);
}
const modelsDir = args[modelsIndex + 1];
const files = args.filter((_, i) => i !== modelsIndex && i !== modelsIndex + 1);
const load = (specifier) => import(pathToFileURL(path.join(modelsDir, specifier)).href);
const { parseAllDocuments } = await load('yaml/dist/index.js');

/** apiVersion + kind → the module of its model class; a kind without one is an error, not a pass. */
function modelModule(apiVersion, kind) {
  if (apiVersion === 'monitoring.coreos.com/v1') {
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}.js`;
  }
  return `kubernetes-models/${apiVersion}/${kind}.js`;
}

const WORKLOAD_PODS = {
  Deployment: (o) => o.spec?.template?.spec,
  StatefulSet: (o) => o.spec?.template?.spec,
  DaemonSet: (o) => o.spec?.template?.spec,
  Job: (o) => o.spec?.template?.spec,
  Pod: (o) => o.spec,
};

/** What the chart promises for every container; probes only where a long-running server runs. */
function policyProblems(object) {
  const podSpec = WORKLOAD_PODS[object.kind]?.(object);
  if (!podSpec) return [];
  const problems = [];
  const podContext = podSpec.securityContext ?? {};
  for (const container of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
    const where = `container ${container.name}`;
    const sc = container.securityContext ?? {};
    for (const kind of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        if (!container.resources?.[kind]?.[resource]) problems.push(`${where}: no resources.${kind}.${resource}`);
      }
    }
    if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) problems.push(`${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
    if (object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'DaemonSet') {
      if (!container.readinessProbe) problems.push(`${where}: no readinessProbe`);
      if (!container.livenessProbe) problems.push(`${where}: no livenessProbe`);
    }
  }
  return problems;
}

const sources = files.length > 0 ? files.map((file) => fs.readFileSync(file, 'utf8')) : [fs.readFileSync(0, 'utf8')];
const report = { objects: [], invalid: 0 };
for (const source of sources) {
  for (const doc of parseAllDocuments(source)) {
    if (doc.errors.length > 0) {
      report.objects.push({ kind: '(yaml)', name: '', problems: doc.errors.map((e) => e.message) });
      report.invalid++;
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const entry = { kind: object.kind, apiVersion: object.apiVersion, name: object.metadata?.name ?? '', problems: [] };
    try {
      const module = await load(modelModule(object.apiVersion, object.kind));
      const Model = module[object.kind];
      if (typeof Model !== 'function') throw new Error('no model class');
      try {
        new Model(object).validate();
      } catch (err) {
        entry.problems.push(`schema: ${err.message}`);
      }
    } catch {
      entry.problems.push(`schema: no Kubernetes schema for ${object.apiVersion} ${object.kind}`);
    }
    entry.problems.push(...policyProblems(object).map((p) => `policy: ${p}`));
    if (entry.problems.length > 0) report.invalid++;
    report.objects.push(entry);
  }
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.invalid > 0 ? 1 : 0);
