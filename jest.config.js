/** ts-jest only transpiles (isolatedModules in tsconfig.json); `npm run typecheck` checks the types once. */
module.exports = {
  testEnvironment: 'node',
  // Most tests wait on helm or kubectl-validate subprocesses: two workers keep both cores busy.
  maxWorkers: 2,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  globalSetup: '<rootDir>/test/global-setup.js',
};
