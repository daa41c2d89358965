/**
 * Every package declares what it imports: a module that a package reaches only because another
 * package happened to install it (a phantom dependency) breaks the day that other package drops it,
 * and hides the package's real surface. This reads the source of every workspace package and fails
 * on a bare import its package.json does not declare.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE = /\.(ts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'generated', '.turbo']);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function workspaces(): string[] {
  const patterns: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).workspaces;
  return patterns.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? fs.readdirSync(path.join(ROOT, pattern.slice(0, -2))).map((name) => path.join(pattern.slice(0, -2), name))
      : [pattern],
  ).filter((dir) => fs.existsSync(path.join(ROOT, dir, 'package.json')));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : SOURCE.test(entry.name) ? [full] : [];
  });
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative and built-in → null. */
export function packageOf(specifier: string): string | null {
  // relative, absolute, built-in, or not a module name at all (code inside a string)
  if (!/^(@[\w.-]+\/)?[\w.-]+(\/[^\s$]*)?$/.test(specifier) || specifier.startsWith('.')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

function undeclared(dir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
  const declared = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies })]);
  const found: string[] = [];
  for (const file of sourceFiles(path.join(ROOT, dir))) {
    for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const name = packageOf(specifier!);
      if (name && !declared.has(name)) found.push(`${path.relative(ROOT, file)} imports ${name}, which ${dir}/package.json does not declare`);
    }
  }
  return found;
}

describe('declared imports', () => {
  it('reads a package name off an import', () => {
    expect(['@grpc/grpc-js', 'kafkajs/src/network', './local', 'node:fs', 'path', '${dir}/x.js'].map(packageOf)).toEqual(['@grpc/grpc-js', 'kafkajs', null, null, null, null]);
  });

  it('every workspace package declares every package it imports', () => {
    const dirs = workspaces();
    expect(dirs.length).toBeGreaterThanOrEqual(8);
    expect(dirs.flatMap(undeclared)).toEqual([]);
  });
});
