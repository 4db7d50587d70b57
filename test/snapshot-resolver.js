// Snapshots live in the top-level __snapshots__/ folder, one file per test file.
const path = require('path');

const snapshotDir = path.join(__dirname, '..', '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, extension) => path.join(snapshotDir, path.basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) => path.join(__dirname, path.basename(snapshotPath, extension)),
  testPathForConsistencyCheck: path.join(__dirname, 'example.test.ts'),
};
