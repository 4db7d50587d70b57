/** ts-jest only transpiles (isolatedModules in tsconfig.json); `npm run typecheck` checks the types once. */
module.exports = {
  testEnvironment: 'node',
  // Most tests wait on helm or kubectl-validate subprocesses: two workers keep both cores busy.
  maxWorkers: 2,
  // Tests and their hooks run real programs (helm, the cdk8s CLI, kubectl-validate, promtool): on a two-core machine
  // with a cold render cache, a hook of a dozen renders takes far more than jest's default 5 s. A hang still fails.
  testTimeout: 60_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  globalSetup: '<rootDir>/test/global-setup.js',
};
