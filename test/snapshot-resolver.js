// Snapshots live in the top-level __snapshots__/ folder, one file per test file (test file names are
// unique across test/'s subfolders). The way back searches test/, so jest finds obsolete snapshots.
const fs = require('fs');
const path = require('path');

const testDir = __dirname;
const snapshotDir = path.join(testDir, '..', '__snapshots__');

function findTest(name, dir = testDir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findTest(name, full);
      if (found) return found;
    } else if (entry.name === name) {
      return full;
    }
  }
  return undefined;
}

module.exports = {
  resolveSnapshotPath: (testPath, extension) => path.join(snapshotDir, path.basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) => {
    const name = path.basename(snapshotPath, extension);
    return findTest(name) ?? path.join(testDir, name);
  },
  testPathForConsistencyCheck: path.join(testDir, 'example.test.ts'),
};
