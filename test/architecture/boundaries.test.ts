/**
 * The arrows of the house: a service never reaches into another service (they talk over gRPC and
 * Kafka only), and a domain core does no I/O, so it imports no driver, broker, transport or logger.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
const IO_PACKAGES = ['mongoose', 'mongodb', 'kafkajs', '@grpc/grpc-js', '@grpc/proto-loader', 'express', 'pino', 'node:fs', 'node:http', 'node:net'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist'].includes(entry.name)) return [];
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : /\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1]!);
const services = fs.readdirSync(path.join(ROOT, 'services'));

describe('boundaries', () => {
  it('no service imports another service, by path or by package', () => {
    const crossings: string[] = [];
    for (const service of services) {
      const home = path.join(ROOT, 'services', service);
      for (const file of sourceFiles(home)) {
        for (const specifier of importsOf(file)) {
          const target = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier) : null;
          const intoOther = target !== null && target.startsWith(path.join(ROOT, 'services')) && !target.startsWith(home + path.sep);
          const otherPackage = services.some((other) => other !== service && specifier.startsWith(`@tenantatlas/${other}`));
          if (intoOther || otherPackage) crossings.push(`${path.relative(ROOT, file)} imports ${specifier}`);
        }
      }
    }
    expect(services.length).toBeGreaterThanOrEqual(5);
    expect(crossings).toEqual([]);
  });

  it('a domain core imports no database, broker, transport, logger or file system', () => {
    const impure: string[] = [];
    for (const service of services) {
      const domain = path.join(ROOT, 'services', service, 'src', 'domain');
      if (!fs.existsSync(domain)) continue;
      for (const file of sourceFiles(domain)) {
        for (const specifier of importsOf(file)) {
          if (IO_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`))) impure.push(`${path.relative(ROOT, file)} imports ${specifier}`);
        }
      }
    }
    expect(impure).toEqual([]);
  });
});
