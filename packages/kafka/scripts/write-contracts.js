// Writes contracts/ (AsyncAPI document, event data JSON Schemas) from the event catalog; run after a build.
const fs = require('node:fs');
const path = require('node:path');
const { contractFiles } = require('../dist/events/contracts');

const root = path.resolve(__dirname, '../../..');
fs.rmSync(path.join(root, 'contracts/events'), { recursive: true, force: true });
for (const [file, content] of contractFiles()) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
}
console.log(`wrote ${contractFiles().size} contract files`);
