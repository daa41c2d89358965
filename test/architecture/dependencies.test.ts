/**
 * The arrows of the house, read from the source of every workspace package:
 * - every package declares what it imports: a module a package reaches only because another
 *   package happened to install it (a phantom dependency) breaks the day that other one drops it;
 * - the floor packages point one way: core ← grpc, kafka, store ← runtime, testing
 *   (docs/architecture.md#packages); none imports a sibling at its own level or above it;
 * - a service never reaches into another service (they talk over gRPC and Kafka only);
 * - a domain core is pure: it imports only @tenantatlas/core, its own domain files and the
 *   computation-only built-in node:crypto (no database, broker, transport, logger, file or clock
 *   module). Its tests may use the service's test fixtures.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE = /\.(ts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'generated', '.turbo']);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
const isTest = (file: string) => /\.i?test\.ts$/.test(file);

/** The floor: a package imports only packages of a lower level. */
export const FLOOR_LEVELS: Record<string, number> = { core: 0, grpc: 1, kafka: 1, store: 1, runtime: 2, testing: 2 };
/** Packages under packages/ that are not part of the floor and import none of it. */
const OUTSIDE_THE_FLOOR = ['api-client'];
const PURE_BUILTINS = ['node:crypto'];

function workspaces(): string[] {
  const patterns: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).workspaces;
  return patterns
    .flatMap((pattern) =>
      pattern.endsWith('/*')
        ? fs.readdirSync(path.join(ROOT, pattern.slice(0, -2))).map((name) => path.join(pattern.slice(0, -2), name))
        : [pattern],
    )
    .filter((dir) => fs.existsSync(path.join(ROOT, dir, 'package.json')));
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : SOURCE.test(entry.name) ? [full] : [];
  });
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1]!);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative and built-in → null. */
export function packageOf(specifier: string): string | null {
  // relative, absolute, built-in, or not a module name at all (code inside a string)
  if (!/^(@[\w.-]+\/)?[\w.-]+(\/[^\s$]*)?$/.test(specifier) || specifier.startsWith('.')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

/** The workspace package a specifier or a resolved relative path lands in, as `<dir>/<name>` (e.g. `packages/store`). */
function workspaceOf(file: string, specifier: string, dirs: Map<string, string>): string | null {
  if (specifier.startsWith('.')) {
    const target = path.relative(ROOT, path.resolve(path.dirname(file), specifier));
    return [...dirs.keys()].find((dir) => target === dir || target.startsWith(`${dir}/`)) ?? null;
  }
  const name = packageOf(specifier);
  return [...dirs].find(([, pkg]) => pkg === name)?.[0] ?? null;
}

export function undeclared(dir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
  const declared = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies })]);
  const found: string[] = [];
  for (const file of sourceFiles(path.join(ROOT, dir))) {
    for (const specifier of importsOf(file)) {
      const name = packageOf(specifier);
      if (name && !declared.has(name)) found.push(`${path.relative(ROOT, file)} imports ${name}, which ${dir}/package.json does not declare`);
    }
  }
  return found;
}

export function upwardArrows(dirs: Map<string, string>): string[] {
  const found: string[] = [];
  for (const dir of [...dirs.keys()].filter((d) => d.startsWith('packages/'))) {
    const own = path.basename(dir);
    for (const file of sourceFiles(path.join(ROOT, dir))) {
      for (const specifier of importsOf(file)) {
        const into = workspaceOf(file, specifier, dirs);
        if (!into || into === dir) continue;
        const other = path.basename(into);
        const allowed = own in FLOOR_LEVELS && other in FLOOR_LEVELS && FLOOR_LEVELS[other]! < FLOOR_LEVELS[own]!;
        // api-client's build script reads the gateway's route table (its OpenAPI source)
        const generator = own === 'api-client' && into === 'services/gateway' && file.includes(`${path.sep}scripts${path.sep}`);
        if (!allowed && !generator) found.push(`${path.relative(ROOT, file)} (${own}) imports ${specifier}, which is not below it`);
      }
    }
  }
  return found;
}

export function serviceCrossings(dirs: Map<string, string>): string[] {
  const found: string[] = [];
  for (const dir of [...dirs.keys()].filter((d) => d.startsWith('services/'))) {
    for (const file of sourceFiles(path.join(ROOT, dir))) {
      for (const specifier of importsOf(file)) {
        const into = workspaceOf(file, specifier, dirs) ?? (specifier.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), specifier)) : '');
        if (into.startsWith('services/') && into !== dir && !into.startsWith(`${dir}/`)) found.push(`${path.relative(ROOT, file)} imports ${specifier}`);
      }
    }
  }
  return found;
}

export function impureDomains(dirs: Map<string, string>): string[] {
  const found: string[] = [];
  for (const dir of [...dirs.keys()].filter((d) => d.startsWith('services/'))) {
    const domain = path.join(ROOT, dir, 'src', 'domain');
    for (const file of sourceFiles(domain).filter((f) => !isTest(f))) {
      for (const specifier of importsOf(file)) {
        const local = specifier.startsWith('.') && path.resolve(path.dirname(file), specifier).startsWith(domain + path.sep);
        if (!local && specifier !== '@tenantatlas/core' && !PURE_BUILTINS.includes(specifier)) found.push(`${path.relative(ROOT, file)} imports ${specifier}`);
      }
    }
  }
  return found;
}

describe('dependencies', () => {
  const dirs = new Map(workspaces().map((dir) => [dir, JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')).name as string]));

  it('reads a package name off an import', () => {
    expect(['@grpc/grpc-js', 'kafkajs/src/network', './local', 'node:fs', 'path', '${dir}/x.js'].map(packageOf)).toEqual(['@grpc/grpc-js', 'kafkajs', null, null, null, null]);
  });

  it('every workspace package declares every package it imports', () => {
    expect(dirs.size).toBeGreaterThanOrEqual(13);
    expect([...dirs.keys()].flatMap(undeclared)).toEqual([]);
  });

  it('the floor points one way: no package imports a sibling at its level or above it', () => {
    const floor = [...dirs.keys()].filter((d) => d.startsWith('packages/')).map((d) => path.basename(d));
    expect(floor.filter((name) => !(name in FLOOR_LEVELS) && !OUTSIDE_THE_FLOOR.includes(name))).toEqual([]);
    expect(upwardArrows(dirs)).toEqual([]);
  });

  it('no service imports another service, by path or by package', () => {
    expect([...dirs.keys()].filter((d) => d.startsWith('services/')).length).toBeGreaterThanOrEqual(5);
    expect(serviceCrossings(dirs)).toEqual([]);
  });

  it('a domain imports nothing but @tenantatlas/core and its own domain files', () => {
    expect(impureDomains(dirs)).toEqual([]);
  });
});
