// Writes the gateway's API document (made from its route table, no server started) to
// dist/openapi.json and its TypeScript types to src/generated/openapi.ts. Runs before every
// build, so a route whose document no longer matches how the client is used breaks the build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
const { apiDocument } = require('@tenantatlas/gateway/dist/route-table.js');

const document = apiDocument();
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist/openapi.json'), `${JSON.stringify(document, null, 2)}\n`);

const types = astToString(await openapiTS(document));
mkdirSync(path.join(root, 'src/generated'), { recursive: true });
writeFileSync(path.join(root, 'src/generated/openapi.ts'), `// Generated from the gateway's route table by scripts/generate.mjs: do not edit.\n${types}`);
