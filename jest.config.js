/** Tests compile with ts-jest without type-checking; `npm run typecheck` checks the types once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
};
