// Unit tests (`*.test.ts`) sit beside the code and need no infrastructure. Integration tests
// (`*.itest.ts`) talk to the real Kafka, FerretDB and service processes that `npm test` starts.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
  ],
};
const roots = ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test'];
const ignore = ['/node_modules/', '/dist/'];

module.exports = {
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  // Integration tests wait on real brokers and processes; unit tests finish long before this.
  testTimeout: 180_000,
  projects: [
    { displayName: 'unit', roots, transform, testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ignore },
    {
      displayName: 'integration',
      roots,
      transform,
      testMatch: ['**/*.itest.ts'],
      testPathIgnorePatterns: ignore,
      testTimeout: 180_000,
      slowTestThreshold: 30,
    },
  ],
};
