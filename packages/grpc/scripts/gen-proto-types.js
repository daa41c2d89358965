// Generates TypeScript types for every .proto under the repository's proto/ tree into
// src/generated (not committed): one contract, typed the same way in every service.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const protoRoot = path.resolve(__dirname, '../../../proto');
const outDir = path.resolve(__dirname, '../src/generated');

function protoFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return protoFiles(full);
    return entry.name.endsWith('.proto') ? [path.relative(protoRoot, full)] : [];
  });
}

fs.rmSync(outDir, { recursive: true, force: true });
const files = protoFiles(protoRoot);
execFileSync(
  process.execPath,
  [
    require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js'),
    ...files,
    '--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs',
    '--grpcLib=@grpc/grpc-js', `--outDir=${outDir}`, `--includeDirs=${protoRoot}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
